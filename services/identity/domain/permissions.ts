// Who holds what, and where. A principal's grants map each permission to the environments it holds
// in; role bindings add up, token restrictions only narrow. Pure: roles are passed in.

import { identityPermissions, wildcardPermission, type IdentityPermission } from "../../../client/permissions.ts";

export { identityPermissions, wildcardPermission, type IdentityPermission };

export interface RoleDefinition {
  name: string;
  description: string;
  permissions: string[];
}

export const builtInRoles: readonly RoleDefinition[] = [
  { name: "admin", description: "Everything, including roles, policy and other admins", permissions: ["*"] },
  {
    name: "security-analyst",
    description: "Reads accounts and the audit trail; revokes tokens",
    permissions: ["accounts.read", "audit.read", "tokens.revoke"],
  },
  {
    name: "developer",
    description: "Manages service accounts and their tokens",
    permissions: ["accounts.read", "accounts.write", "tokens.write", "tokens.revoke"],
  },
  { name: "verifier", description: "Checks tokens presented to a service", permissions: ["tokens.verify"] },
  { name: "viewer", description: "Reads accounts, tokens, roles and environments", permissions: ["accounts.read"] },
  {
    name: "mcp-delegate",
    description: "For the MCP server: verifies callers' tokens and acts for them, never wider",
    permissions: ["tokens.verify", "identity.delegate"],
  },
];

/** Where a permission holds: everywhere, or in the named environments. */
export type Scope = { all: true } | { all: false; environments: ReadonlySet<string> };
export type Grants = ReadonlyMap<string, Scope>;

export const everywhere: Scope = { all: true };
export const nowhere: Scope = { all: false, environments: new Set() };

export interface Binding {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

function scopeOf(binding: { allEnvironments: boolean; environments: readonly string[] }): Scope {
  return binding.allEnvironments ? everywhere : { all: false, environments: new Set(binding.environments) };
}

function union(a: Scope, b: Scope): Scope {
  if (a.all || b.all) return everywhere;
  return { all: false, environments: new Set([...a.environments, ...b.environments]) };
}

function intersect(a: Scope, b: Scope): Scope {
  if (a.all) return b;
  if (b.all) return a;
  return { all: false, environments: new Set([...a.environments].filter((e) => b.environments.has(e))) };
}

export function covers(outer: Scope, inner: Scope): boolean {
  if (outer.all) return true;
  if (inner.all) return false;
  return [...inner.environments].every((e) => outer.environments.has(e));
}

function isEmpty(scope: Scope): boolean {
  return !scope.all && scope.environments.size === 0;
}

/** The grants of a set of role bindings; `rolePermissions` answers undefined for unknown roles. */
export function grantsOf(bindings: readonly Binding[], rolePermissions: (role: string) => readonly string[] | undefined): Grants {
  const grants = new Map<string, Scope>();
  for (const binding of bindings) {
    const scope = scopeOf(binding);
    for (const permission of rolePermissions(binding.role) ?? []) {
      grants.set(permission, union(grants.get(permission) ?? nowhere, scope));
    }
  }
  return grants;
}

/** Where `permission` holds, counting the wildcard. */
export function scopeFor(grants: Grants, permission: string): Scope {
  return union(grants.get(permission) ?? nowhere, grants.get(wildcardPermission) ?? nowhere);
}

/** True when the permission holds somewhere (identity permissions are org-level). */
export function holds(grants: Grants, permission: string): boolean {
  return !isEmpty(scopeFor(grants, permission));
}

export function holdsIn(grants: Grants, permission: string, environment: string): boolean {
  return covers(scopeFor(grants, permission), { all: false, environments: new Set([environment]) });
}

/** Every environment some grant reaches. */
export function reach(grants: Grants): Scope {
  let scope: Scope = nowhere;
  for (const s of grants.values()) scope = union(scope, s);
  return scope;
}

/**
 * Narrows an account's grants to a token's restrictions: empty lists keep the account's. A token
 * never widens: permissions the account lacks are dropped, environments outside its reach too.
 */
export function narrow(grants: Grants, permissions: readonly string[], environments: readonly string[]): Grants {
  const byPermission = new Map<string, Scope>();
  if (permissions.length === 0) {
    for (const [p, s] of grants) byPermission.set(p, s);
  } else {
    for (const p of permissions) byPermission.set(p, scopeFor(grants, p));
  }
  const limit: Scope = environments.length === 0 ? everywhere : { all: false, environments: new Set(environments) };
  const narrowed = new Map<string, Scope>();
  for (const [p, s] of byPermission) {
    const scope = intersect(s, limit);
    if (!isEmpty(scope)) narrowed.set(p, scope);
  }
  return narrowed;
}

/** What `wanted` grants beyond `held`, as readable "permission in environments" strings. */
export function excess(held: Grants, wanted: Grants): string[] {
  const missing: string[] = [];
  for (const [permission, scope] of wanted) {
    if (covers(scopeFor(held, permission), scope)) continue;
    missing.push(scope.all ? `${permission} (all environments)` : `${permission} in ${[...scope.environments].sort().join(", ")}`);
  }
  return missing.sort();
}
