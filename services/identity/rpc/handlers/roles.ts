import type { ServiceImpl } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { RoleService } from "../../../../gen/tessera/identity/v1/role_pb.ts";
import { requirePermission, requireWithin } from "../../policy/access.ts";
import { IdentityError, failedPrecondition, invalidArgument, notFound } from "../../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../../domain/page-token.ts";
import { builtInRoles, everywhere, type Scope } from "../../domain/permissions.ts";
import * as valid from "../../domain/validation.ts";
import { auditTarget, callerOf, effects, invalidate } from "../context.ts";
import { builtInRoleMessage, roleMessage } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";

const builtInNames = new Set(builtInRoles.map((r) => r.name));
const updatablePaths = ["description", "permissions"];

function rolePermissions(field: string, values: readonly string[]): string[] {
  const permissions = valid.list(field, values, valid.permission);
  if (permissions.length === 0) throw invalidArgument(field, "must name at least one permission");
  return permissions;
}

/** A role may be bound in any environment, so defining it needs its permissions everywhere. */
function everywhereGrants(permissions: readonly string[]): Map<string, Scope> {
  return new Map(permissions.map((p) => [p, everywhere]));
}

function assertCustom(name: string): void {
  if (builtInNames.has(name)) throw failedPrecondition(`"${name}" is a built-in role and cannot be changed`, "built_in_role");
}

export function roleHandlers(deps: Deps): ServiceImpl<typeof RoleService> {
  const { store } = deps;
  return {
    async listRoles(req, ctx) {
      const caller = callerOf(ctx);
      const pageSize = valid.pageSize("page_size", req.pageSize);
      const after = decodePageToken(req.pageToken, {});
      const custom = await store.roles.listAll(caller.org);
      const all = [
        ...builtInRoles.map((r) => ({ name: r.name, message: builtInRoleMessage(r) })),
        ...custom.map((d) => ({ name: d.name, message: roleMessage(d) })),
      ].sort((a, b) => a.name.localeCompare(b.name));
      const rest = after === undefined ? all : all.filter((r) => r.name > after);
      const page = rest.slice(0, pageSize);
      return {
        roles: page.map((r) => r.message),
        nextPageToken: rest.length > pageSize ? encodePageToken(page.at(-1)!.name, {}) : "",
      };
    },

    async createRole(req, ctx) {
      const caller = callerOf(ctx);
      const name = valid.name("name", req.name);
      auditTarget(ctx, name);
      requirePermission(caller, "roles.write");
      if (builtInNames.has(name)) throw new IdentityError("already_exists", `"${name}" is a built-in role`, "already_exists", "name");
      const permissions = rolePermissions("permissions", req.permissions);
      requireWithin(caller, everywhereGrants(permissions), "this role");
      const now = new Date();
      const doc = {
        _id: new ObjectId(),
        org: caller.org,
        name,
        description: valid.text("description", req.description, 1024),
        permissions,
        createTime: now,
        updateTime: now,
      };
      await store.roles.insert(doc, effects(ctx));
      return { role: roleMessage(doc) };
    },

    async updateRole(req, ctx) {
      const caller = callerOf(ctx);
      const input = req.role;
      if (!input) throw invalidArgument("role", "is required");
      const name = valid.name("role.name", input.name);
      auditTarget(ctx, name);
      requirePermission(caller, "roles.write");
      assertCustom(name);
      const paths = req.updateMask?.paths ?? [];
      if (paths.length === 0) throw invalidArgument("update_mask", `name at least one of: ${updatablePaths.join(", ")}`);
      const unknown = paths.find((p) => !updatablePaths.includes(p));
      if (unknown) throw invalidArgument("update_mask", `"${unknown}" cannot be updated; use: ${updatablePaths.join(", ")}`);
      const changes: { description?: string; permissions?: string[] } = {};
      if (paths.includes("description")) changes.description = valid.text("role.description", input.description, 1024);
      if (paths.includes("permissions")) changes.permissions = rolePermissions("role.permissions", input.permissions);
      // Changing a role changes every account bound to it: the caller must hold what it had and gets.
      const existing = await store.roles.find(caller.org, name);
      if (!existing) throw notFound("role", name);
      requireWithin(caller, everywhereGrants([...existing.permissions, ...(changes.permissions ?? [])]), "changing this role");
      // Rule 4: accounts bound to a widened role hold more than whoever designated their managers
      // did; those designations end first (a crash in between only ends them early).
      const widens = changes.permissions?.some((p) => !existing.permissions.includes(p) && !existing.permissions.includes("*"));
      if (widens) await store.accounts.clearManagersOfRole(caller.org, name, new Date());
      // New permissions change what every token bound to the role verifies as.
      const committed = effects(ctx, changes.permissions ? [invalidate("organization", caller.org)] : []);
      const updated = await store.roles.update(caller.org, name, changes, new Date(), committed);
      if (!updated) throw notFound("role", name);
      return { role: roleMessage(updated) };
    },

    async deleteRole(req, ctx) {
      const caller = callerOf(ctx);
      const name = valid.name("name", req.name);
      auditTarget(ctx, name);
      requirePermission(caller, "roles.write");
      assertCustom(name);
      const existing = await store.roles.find(caller.org, name);
      if (!existing) throw notFound("role", name);
      requireWithin(caller, everywhereGrants(existing.permissions), "deleting this role");
      const bound = await store.accounts.countBoundToRole(caller.org, name);
      if (bound > 0) throw failedPrecondition(`the role is bound to ${bound} service account(s); unbind it first`, "role_in_use");
      if (!(await store.roles.delete(caller.org, name, effects(ctx, [invalidate("organization", caller.org)])))) throw notFound("role", name);
      return {};
    },
  };
}
