// Custom roles: list (built-in ones too), create, update and delete. A role may be bound in any
// environment, so defining or changing one needs its permissions everywhere.
import { ObjectId } from "mongodb";
import { IdentityError, failedPrecondition, invalidArgument, notFound } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import { builtInRoles, everywhere, type RoleDefinition, type Scope } from "../domain/permissions.ts";
import * as valid from "../domain/validation.ts";
import { requirePermission, requireWithin } from "../policy/access.ts";
import type { RoleDoc } from "../store/documents.ts";
import type { Deps } from "./deps.ts";
import { invalidate, outcome, type Call, type Outcome } from "./effects.ts";

const builtInNames = new Set(builtInRoles.map((r) => r.name));
const updatablePaths = ["description", "permissions"];

export interface RoleFields {
  name: string;
  description: string;
  permissions: readonly string[];
}

/** A role as listed: built in (read-only) or the organisation's own. */
export type ListedRole = { builtIn: RoleDefinition } | { custom: RoleDoc };

function rolePermissions(field: string, values: readonly string[]): string[] {
  const permissions = valid.list(field, values, valid.permission);
  if (permissions.length === 0) throw invalidArgument(field, "must name at least one permission");
  return permissions;
}

function everywhereGrants(permissions: readonly string[]): Map<string, Scope> {
  return new Map(permissions.map((p) => [p, everywhere]));
}

function assertCustom(name: string): void {
  if (builtInNames.has(name)) throw failedPrecondition(`"${name}" is a built-in role and cannot be changed`, "built_in_role");
}

export async function listRoles(deps: Deps, call: Call, input: { pageSize: number; pageToken: string }): Promise<Outcome<{ roles: ListedRole[]; nextPageToken: string }>> {
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const scope = { list: "roles", org: call.caller.org };
  const after = decodePageToken(input.pageToken, scope);
  const custom = await deps.store.roles.listAll(call.caller.org);
  const all: { name: string; role: ListedRole }[] = [
    ...builtInRoles.map((r) => ({ name: r.name, role: { builtIn: r } })),
    ...custom.map((d) => ({ name: d.name, role: { custom: d } })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  const rest = after === undefined ? all : all.filter((r) => r.name > after);
  const page = rest.slice(0, pageSize);
  return outcome(call, {
    roles: page.map((r) => r.role),
    nextPageToken: rest.length > pageSize ? encodePageToken(page.at(-1)!.name, scope) : "",
  });
}

export async function createRole(deps: Deps, call: Call, input: RoleFields): Promise<Outcome<RoleDoc>> {
  const { caller, effects } = call;
  const name = valid.name("name", input.name);
  effects.on(name);
  requirePermission(caller, "roles.write");
  if (builtInNames.has(name)) throw new IdentityError("already_exists", `"${name}" is a built-in role`, "already_exists", "name");
  const permissions = rolePermissions("permissions", input.permissions);
  requireWithin(caller, everywhereGrants(permissions), "this role");
  const now = new Date();
  const doc: RoleDoc = {
    _id: new ObjectId(),
    org: caller.org,
    name,
    description: valid.text("description", input.description, 1024),
    permissions,
    createTime: now,
    updateTime: now,
  };
  await deps.store.roles.insert(doc, effects.commit());
  // Accounts still bound to a deleted role of this name (a binding raced its deletion) gain these
  // permissions now: a widening, which ends their designations as updating a role does (rule 4).
  await deps.store.accounts.clearManagersOfRole(caller.org, name, now);
  return outcome(call, doc);
}

export async function updateRole(deps: Deps, call: Call, input: { role: RoleFields | undefined; paths: readonly string[] }): Promise<Outcome<RoleDoc>> {
  const { caller, effects } = call;
  const fields = input.role;
  if (!fields) throw invalidArgument("role", "is required");
  const name = valid.name("role.name", fields.name);
  effects.on(name);
  requirePermission(caller, "roles.write");
  assertCustom(name);
  const { paths } = input;
  if (paths.length === 0) throw invalidArgument("update_mask", `name at least one of: ${updatablePaths.join(", ")}`);
  const unknown = paths.find((p) => !updatablePaths.includes(p));
  if (unknown) throw invalidArgument("update_mask", `"${unknown}" cannot be updated; use: ${updatablePaths.join(", ")}`);
  const changes: { description?: string; permissions?: string[] } = {};
  if (paths.includes("description")) changes.description = valid.text("role.description", fields.description, 1024);
  if (paths.includes("permissions")) changes.permissions = rolePermissions("role.permissions", fields.permissions);
  // Changing a role changes every account bound to it: the caller must hold what it had and gets.
  const existing = await deps.store.roles.find(caller.org, name);
  if (!existing) throw notFound("role", name);
  requireWithin(caller, everywhereGrants([...existing.permissions, ...(changes.permissions ?? [])]), "changing this role");
  // Rule 4: accounts bound to a widened role hold more than whoever designated their managers
  // did; those designations end first (a crash in between only ends them early).
  const widens = changes.permissions?.some((p) => !existing.permissions.includes(p) && !existing.permissions.includes("*"));
  if (widens) await deps.store.accounts.clearManagersOfRole(caller.org, name, new Date());
  // New permissions change what every token bound to the role verifies as.
  const entry = effects.commit(changes.permissions ? [invalidate("organization", caller.org)] : []);
  const updated = await deps.store.roles.update(caller.org, name, changes, new Date(), entry);
  if (!updated) throw notFound("role", name);
  // Again: a designation made between the first clear and the update was judged on the old permissions.
  if (widens) await deps.store.accounts.clearManagersOfRole(caller.org, name, new Date());
  return outcome(call, updated);
}

export async function deleteRole(deps: Deps, call: Call, input: { name: string }): Promise<Outcome<void>> {
  const { caller, effects } = call;
  const name = valid.name("name", input.name);
  effects.on(name);
  requirePermission(caller, "roles.write");
  assertCustom(name);
  const existing = await deps.store.roles.find(caller.org, name);
  if (!existing) throw notFound("role", name);
  requireWithin(caller, everywhereGrants(existing.permissions), "deleting this role");
  const bound = await deps.store.accounts.countBoundToRole(caller.org, name);
  if (bound > 0) throw failedPrecondition(`the role is bound to ${bound} service account(s); unbind it first`, "role_in_use");
  if (!(await deps.store.roles.delete(caller.org, name, effects.commit([invalidate("organization", caller.org)])))) throw notFound("role", name);
  return outcome(call, undefined);
}
