// Service accounts: create, read, list, update, disable, enable and delete, under the rules of
// docs/security.md (policy/access.ts decides) and committed with their effects.
import { ObjectId } from "mongodb";
import { apiAccountId } from "../../../client/ids.ts";
import { IdentityError, invalidArgument, notFound } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import * as valid from "../domain/validation.ts";
import type { Binding } from "../domain/permissions.ts";
import { isFullAdmin, requireCreateAccount, requireOnAccount, requirePermission, requireWithin, widens, type Caller } from "../policy/access.ts";
import type { AccountChanges } from "../store/account-repository.ts";
import type { AccountDoc } from "../store/documents.ts";
import type { Deps } from "./deps.ts";
import { invalidate, outcome, type Call, type Outcome } from "./effects.ts";
import * as refs from "./references.ts";

interface BindingInput {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

export interface AccountFields {
  displayName: string;
  description: string;
  owner: string;
  roleBindings: readonly BindingInput[];
  managerAccountIds: readonly string[];
  managerRoles: readonly string[];
}

export interface CreateAccountInput extends AccountFields {
  name: string;
}

export interface UpdateAccountInput {
  /** The new values; only the fields `paths` names are read. */
  serviceAccount: (AccountFields & { id: string; etag: string }) | undefined;
  paths: readonly string[];
}

export interface ListAccountsInput {
  status: "active" | "disabled" | undefined;
  role: string;
  namePrefix: string;
  pageSize: number;
  pageToken: string;
}

/** An account with the number of its active tokens. */
export interface AccountView {
  account: AccountDoc;
  activeTokenCount: number;
}

const updatablePaths = ["display_name", "description", "owner", "role_bindings", "manager_account_ids", "manager_roles"] as const;

async function withTokenCount(deps: Deps, account: AccountDoc): Promise<AccountView> {
  const counts = await deps.store.tokens.countActive(account.org, [account._id], new Date());
  return { account, activeTokenCount: counts.get(account._id.toHexString()) ?? 0 };
}

/**
 * Rule 4: binding an account to a role that accounts name in their manager_roles makes it their
 * manager, a designation like one by id, so the caller must hold all of each such account's access.
 * Only roles the account was not bound to before count. The refusal names no account: the caller
 * may not be allowed to see them.
 */
async function requireManagingByRole(deps: Deps, caller: Caller, bindings: readonly Binding[], before: readonly Binding[]): Promise<void> {
  const added = [...new Set(bindings.map((b) => b.role))].filter((role) => !before.some((b) => b.role === role));
  if (added.length === 0) return;
  for (const managed of await deps.store.accounts.managedByRoles(caller.org, added)) {
    const role = added.find((r) => managed.managerRoles.includes(r))!;
    requireWithin(caller, (await refs.target(deps, managed)).grants, `binding role "${role}", which other service accounts name as their manager,`);
  }
}

export async function createAccount(deps: Deps, call: Call, input: CreateAccountInput): Promise<Outcome<AccountView>> {
  const { caller, effects } = call;
  const name = valid.name("name", input.name);
  effects.on(name);
  requirePermission(caller, "accounts.write");
  const roleBindings = await refs.roleBindings(deps, caller.org, "role_bindings", input.roleBindings);
  requireCreateAccount(caller, await deps.roles.grantsOf(caller.org, roleBindings));
  await requireManagingByRole(deps, caller, roleBindings, []);
  const now = new Date();
  const doc: AccountDoc = {
    _id: new ObjectId(),
    org: caller.org,
    name,
    nameKey: name,
    displayName: valid.text("display_name", input.displayName, 100),
    description: valid.text("description", input.description, 1024),
    owner: valid.text("owner", input.owner, 128),
    status: "active",
    roleBindings,
    managerAccountIds: await refs.managerAccountIds(deps, caller.org, "manager_account_ids", input.managerAccountIds),
    managerRoles: await refs.managerRoles(deps, caller.org, "manager_roles", input.managerRoles),
    createdBy: { accountId: caller.accountId, accountName: caller.accountName },
    createTime: now,
    updateTime: now,
    lastUsedTime: null,
    version: 1,
  };
  effects.on(apiAccountId(doc._id));
  await deps.store.accounts.insert(doc, effects.commit());
  return outcome(call, { account: doc, activeTokenCount: 0 });
}

export async function getAccount(deps: Deps, call: Call, id: string): Promise<Outcome<AccountView>> {
  const account = await refs.existingAccount(deps, call.caller.org, "id", id);
  requireOnAccount(call.caller, "accounts.read", await refs.target(deps, account), "read");
  return outcome(call, await withTokenCount(deps, account));
}

export async function listAccounts(deps: Deps, call: Call, input: ListAccountsInput): Promise<Outcome<{ accounts: AccountView[]; nextPageToken: string }>> {
  const { caller } = call;
  requirePermission(caller, "accounts.read");
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const filters = {
    status: input.status,
    role: input.role ? valid.name("role", input.role) : undefined,
    namePrefix: valid.namePrefix("name_prefix", input.namePrefix) || undefined,
  };
  const scope = { list: "accounts", org: call.caller.org, filters };
  const after = decodePageToken(input.pageToken, scope);
  const page = await deps.store.accounts.list(caller.org, filters, pageSize, after);
  // Rule 2: a page shows only the accounts within the caller's bounds (it may come out short).
  const visible = await refs.visibleAccounts(deps, caller, page.items);
  const counts = await deps.store.tokens.countActive(caller.org, visible.map((d) => d._id), new Date());
  return outcome(call, {
    accounts: visible.map((account) => ({ account, activeTokenCount: counts.get(account._id.toHexString()) ?? 0 })),
    nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "",
  });
}

export async function updateAccount(deps: Deps, call: Call, input: UpdateAccountInput): Promise<Outcome<AccountView>> {
  const { caller, effects } = call;
  const fields = input.serviceAccount;
  if (!fields) throw invalidArgument("service_account", "is required");
  const { paths } = input;
  if (paths.length === 0) throw invalidArgument("update_mask", `name at least one of: ${updatablePaths.join(", ")}`);
  const unknown = paths.find((p) => !(updatablePaths as readonly string[]).includes(p));
  if (unknown) throw invalidArgument("update_mask", `"${unknown}" cannot be updated; use: ${updatablePaths.join(", ")}`);
  const account = await refs.existingAccount(deps, caller.org, "service_account.id", fields.id);
  effects.on(fields.id);
  const before = await refs.target(deps, account);
  requireOnAccount(caller, "accounts.write", before, "change");
  const version = fields.etag === "" ? account.version : etagVersion(fields.etag);

  const changes: AccountChanges = {};
  if (paths.includes("display_name")) changes.displayName = valid.text("service_account.display_name", fields.displayName, 100);
  if (paths.includes("description")) changes.description = valid.text("service_account.description", fields.description, 1024);
  if (paths.includes("owner")) changes.owner = valid.text("service_account.owner", fields.owner, 128);
  if (paths.includes("role_bindings")) {
    changes.roleBindings = await refs.roleBindings(deps, caller.org, "service_account.role_bindings", fields.roleBindings);
  }
  if (paths.includes("manager_account_ids")) {
    changes.managerAccountIds = await refs.managerAccountIds(deps, caller.org, "service_account.manager_account_ids", fields.managerAccountIds);
  }
  if (paths.includes("manager_roles")) {
    changes.managerRoles = await refs.managerRoles(deps, caller.org, "service_account.manager_roles", fields.managerRoles);
  }
  const after = changes.roleBindings ? await deps.roles.grantsOf(caller.org, changes.roleBindings) : before.grants;
  if (changes.roleBindings) {
    requireWithin(caller, after, "these role bindings");
    await requireManagingByRole(deps, caller, changes.roleBindings, account.roleBindings);
  }
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
    deps.store.accounts.update(caller.org, id, version, changes, new Date(), effects.commit(rebinds ? [invalidate("account", id)] : [])),
  );
  return outcome(call, await withTokenCount(deps, updated));
}

/**
 * Moves the account to `to`. Already there: nothing changed, so nothing is committed (the call
 * is still audited) and nothing is invalidated.
 */
async function setStatus(deps: Deps, call: Call, id: string, to: "active" | "disabled"): Promise<Outcome<AccountView>> {
  const { caller, effects } = call;
  const account = await refs.existingAccount(deps, caller.org, "id", id);
  effects.on(id);
  // Enabling brings the account's tokens back to life: rule 3 applies as to any change.
  requireOnAccount(caller, "accounts.write", await refs.target(deps, account), "change");
  const hex = account._id.toHexString();
  // Only the account as rule 3 judged it: a promotion that lands meanwhile makes the call retry.
  const change = async () => {
    const moved = await deps.store.accounts.setStatus(account.org, hex, to, account.version, new Date(), effects.commit([invalidate("account", hex)]));
    if (moved) return moved;
    const current = await refs.existingAccount(deps, account.org, "id", id);
    if (current.status === to) return current;
    throw changedMeanwhile();
  };
  const updated = to === "disabled" ? await refs.keepingAnAdmin(deps, account, false, change) : await change();
  return outcome(call, await withTokenCount(deps, updated));
}

export const disableAccount = (deps: Deps, call: Call, id: string) => setStatus(deps, call, id, "disabled");
export const enableAccount = (deps: Deps, call: Call, id: string) => setStatus(deps, call, id, "active");

export async function deleteAccount(deps: Deps, call: Call, id: string): Promise<Outcome<{ revokedTokenCount: number }>> {
  const { caller, effects } = call;
  const account = await refs.existingAccount(deps, caller.org, "id", id);
  effects.on(id);
  requireOnAccount(caller, "accounts.write", await refs.target(deps, account), "change");
  const now = new Date();
  // Deleting first stops every token at once (authentication checks the account); revoking
  // them afterwards records why.
  const hex = account._id.toHexString();
  const deleted = await refs.keepingAnAdmin(deps, account, false, () =>
    deps.store.accounts.markDeleted(caller.org, hex, account.version, now, effects.commit([invalidate("account", hex)])),
  );
  if (!deleted) {
    if (await deps.store.accounts.find(caller.org, hex)) throw changedMeanwhile();
    throw notFound("service account", id); // deleted concurrently
  }
  const revokedTokenCount = await deps.store.tokens.revokeAllOfAccount(caller.org, account._id, "service account deleted", now);
  return outcome(call, { revokedTokenCount });
}

/** The account changed between the checks and the write (rule 3 was judged on what it was). */
function changedMeanwhile(): IdentityError {
  return new IdentityError("aborted", "the service account changed while this call ran; retry", "changed_meanwhile");
}

function etagVersion(etag: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(etag)) throw invalidArgument("service_account.etag", "is not an etag this service issued");
  return Number(etag);
}
