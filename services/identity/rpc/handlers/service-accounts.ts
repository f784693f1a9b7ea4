import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { ServiceAccountService, ServiceAccountStatus } from "../../../../gen/tessera/identity/v1/service_account_pb.ts";
import { isFullAdmin, requireCreateAccount, requireOnAccount, requirePermission, requireWithin, widens } from "../../policy/access.ts";
import { invalidArgument, notFound } from "../../domain/errors.ts";
import { encodePageToken, decodePageToken } from "../../domain/page-token.ts";
import * as valid from "../../domain/validation.ts";
import type { AccountChanges } from "../../store/account-repository.ts";
import type { AccountDoc } from "../../store/documents.ts";
import { auditTarget, callerOf, effects, invalidate } from "../context.ts";
import { accountMessage, apiAccountId } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as refs from "../../use-cases/references.ts";

const updatablePaths = ["display_name", "description", "owner", "role_bindings", "manager_account_ids", "manager_roles"] as const;

export function serviceAccountHandlers(deps: Deps): ServiceImpl<typeof ServiceAccountService> {
  const { store, authenticator } = deps;

  /**
   * Moves the account to `to`. Already there: nothing changed, so nothing is committed (the call
   * is still audited) and nothing is invalidated.
   */
  async function setStatus(ctx: HandlerContext, account: AccountDoc, to: "active" | "disabled"): Promise<AccountDoc> {
    const id = account._id.toHexString();
    const updated = await store.accounts.setStatus(account.org, id, to, new Date(), effects(ctx, [invalidate("account", id)]));
    return updated ?? refs.existingAccount(deps, account.org, "id", apiAccountId(id));
  }

  async function withTokenCount(doc: AccountDoc) {
    const counts = await store.tokens.countActive(doc.org, [doc._id], new Date());
    return { serviceAccount: accountMessage(doc, counts.get(doc._id.toHexString()) ?? 0) };
  }

  return {
    async createServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const name = valid.name("name", req.name);
      auditTarget(ctx, name);
      requirePermission(caller, "accounts.write");
      const roleBindings = await refs.roleBindings(deps, caller.org, "role_bindings", req.roleBindings);
      requireCreateAccount(caller, await authenticator.grantsOf(caller.org, roleBindings));
      const now = new Date();
      const doc: AccountDoc = {
        _id: new ObjectId(),
        org: caller.org,
        name,
        nameKey: name,
        displayName: valid.text("display_name", req.displayName, 100),
        description: valid.text("description", req.description, 1024),
        owner: valid.text("owner", req.owner, 128),
        status: "active",
        roleBindings,
        managerAccountIds: await refs.managerAccountIds(deps, caller.org, "manager_account_ids", req.managerAccountIds),
        managerRoles: await refs.managerRoles(deps, caller.org, "manager_roles", req.managerRoles),
        createdBy: { accountId: caller.accountId, accountName: caller.accountName },
        createTime: now,
        updateTime: now,
        lastUsedTime: null,
        version: 1,
      };
      auditTarget(ctx, apiAccountId(doc._id.toHexString()));
      await store.accounts.insert(doc, effects(ctx));
      return { serviceAccount: accountMessage(doc, 0) };
    },

    async getServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const account = await refs.existingAccount(deps, caller.org, "id", req.id);
      requireOnAccount(caller, "accounts.read", await refs.target(deps, account), "read");
      return withTokenCount(account);
    },

    async listServiceAccounts(req, ctx) {
      const caller = callerOf(ctx);
      requirePermission(caller, "accounts.read");
      const pageSize = valid.pageSize("page_size", req.pageSize);
      const filters = {
        status: statusFilter(req.status),
        role: req.role ? valid.name("role", req.role) : undefined,
        namePrefix: valid.namePrefix("name_prefix", req.namePrefix) || undefined,
      };
      const after = decodePageToken(req.pageToken, filters);
      const page = await store.accounts.list(caller.org, filters, pageSize, after);
      // Rule 2: a page shows only the accounts within the caller's bounds (it may come out short).
      const visible = await refs.visibleAccounts(deps, caller, page.items);
      const counts = await store.tokens.countActive(caller.org, visible.map((d) => d._id), new Date());
      return {
        serviceAccounts: visible.map((d) => accountMessage(d, counts.get(d._id.toHexString()) ?? 0)),
        nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, filters) : "",
      };
    },

    async updateServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const input = req.serviceAccount;
      if (!input) throw invalidArgument("service_account", "is required");
      const paths = req.updateMask?.paths ?? [];
      if (paths.length === 0) throw invalidArgument("update_mask", `name at least one of: ${updatablePaths.join(", ")}`);
      const unknown = paths.find((p) => !(updatablePaths as readonly string[]).includes(p));
      if (unknown) throw invalidArgument("update_mask", `"${unknown}" cannot be updated; use: ${updatablePaths.join(", ")}`);
      const account = await refs.existingAccount(deps, caller.org, "service_account.id", input.id);
      auditTarget(ctx, input.id);
      const before = await refs.target(deps, account);
      requireOnAccount(caller, "accounts.write", before, "change");
      const version = input.etag === "" ? account.version : etagVersion(input.etag);

      const changes: AccountChanges = {};
      if (paths.includes("display_name")) changes.displayName = valid.text("service_account.display_name", input.displayName, 100);
      if (paths.includes("description")) changes.description = valid.text("service_account.description", input.description, 1024);
      if (paths.includes("owner")) changes.owner = valid.text("service_account.owner", input.owner, 128);
      if (paths.includes("role_bindings")) {
        changes.roleBindings = await refs.roleBindings(deps, caller.org, "service_account.role_bindings", input.roleBindings);
      }
      if (paths.includes("manager_account_ids")) {
        changes.managerAccountIds = await refs.managerAccountIds(
          deps,
          caller.org,
          "service_account.manager_account_ids",
          input.managerAccountIds,
        );
      }
      if (paths.includes("manager_roles")) {
        changes.managerRoles = await refs.managerRoles(deps, caller.org, "service_account.manager_roles", input.managerRoles);
      }
      const after = changes.roleBindings ? await authenticator.grantsOf(caller.org, changes.roleBindings) : before.grants;
      if (changes.roleBindings) requireWithin(caller, after, "these role bindings");
      const designates = changes.managerAccountIds !== undefined || changes.managerRoles !== undefined;
      // Designating managers needs all of the account's access, managers or not (rule 4).
      if (designates) requireWithin(caller, after, "designating managers of this account");
      // Designations made under narrower bindings do not carry over to wider ones (rule 4).
      if (changes.roleBindings && !designates && widens(before.grants, after)) {
        changes.managerAccountIds = [];
        changes.managerRoles = [];
      }
      // Only a change of bindings changes what the account's tokens verify as.
      const rebinds = changes.roleBindings !== undefined && JSON.stringify(changes.roleBindings) !== JSON.stringify(account.roleBindings);
      const id = account._id.toHexString();
      const stillAdmin = changes.roleBindings === undefined || isFullAdmin(changes.roleBindings);
      const updated = await refs.keepingAnAdmin(deps, account, stillAdmin, () =>
        store.accounts.update(caller.org, id, version, changes, new Date(), effects(ctx, rebinds ? [invalidate("account", id)] : [])),
      );
      return withTokenCount(updated);
    },

    async disableServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const account = await refs.existingAccount(deps, caller.org, "id", req.id);
      auditTarget(ctx, req.id);
      requireOnAccount(caller, "accounts.write", await refs.target(deps, account), "change");
      return withTokenCount(await refs.keepingAnAdmin(deps, account, false, () => setStatus(ctx, account, "disabled")));
    },

    async enableServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const account = await refs.existingAccount(deps, caller.org, "id", req.id);
      auditTarget(ctx, req.id);
      // Enabling brings the account's tokens back to life: rule 3 applies as to any change.
      requireOnAccount(caller, "accounts.write", await refs.target(deps, account), "change");
      return withTokenCount(await setStatus(ctx, account, "active"));
    },

    async deleteServiceAccount(req, ctx) {
      const caller = callerOf(ctx);
      const account = await refs.existingAccount(deps, caller.org, "id", req.id);
      auditTarget(ctx, req.id);
      requireOnAccount(caller, "accounts.write", await refs.target(deps, account), "change");
      const now = new Date();
      // Deleting first stops every token at once (authentication checks the account); revoking
      // them afterwards records why.
      const id = account._id.toHexString();
      const deleted = await refs.keepingAnAdmin(deps, account, false, () =>
        store.accounts.markDeleted(caller.org, id, now, effects(ctx, [invalidate("account", id)])),
      );
      if (!deleted) throw notFound("service account", req.id); // deleted concurrently
      const revokedTokenCount = await store.tokens.revokeAllOfAccount(caller.org, account._id, "service account deleted", now);
      return { revokedTokenCount };
    },
  };
}

function statusFilter(status: ServiceAccountStatus): "active" | "disabled" | undefined {
  switch (status) {
    case ServiceAccountStatus.UNSPECIFIED:
      return undefined;
    case ServiceAccountStatus.ACTIVE:
      return "active";
    case ServiceAccountStatus.DISABLED:
      return "disabled";
    default:
      throw invalidArgument("status", "is not a known status");
  }
}

function etagVersion(etag: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(etag)) throw invalidArgument("service_account.etag", "is not an etag this service issued");
  return Number(etag);
}
