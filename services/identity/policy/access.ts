// The one place that decides "may this caller do this to that" (docs/security.md, "The
// authorisation rules"; rule numbers below refer to it). Pure: the caller's effective grants come
// from authentication, a target account's grants from its role bindings.
import { permissionDenied } from "../domain/errors.ts";
import { covers, excess, reach, scopeFor, type Binding, type Grants, type IdentityPermission, type Scope } from "../domain/permissions.ts";

export interface Caller {
  org: string;
  accountId: string;
  accountName: string;
  tokenId: string;
  /** Roles the caller's account is bound to: they count for manager designations by role. */
  roles: readonly string[];
  /** The token's effective grants: its account's, narrowed by the token. */
  grants: Grants;
  audiences: readonly string[];
  tokenExpireTime: Date | null;
  /** The service (e.g. the MCP server) acting for this caller; it never widens the caller's access. */
  delegate: { accountId: string; accountName: string; tokenId: string } | null;
}

/** An account as the rules see it. */
export interface TargetAccount {
  /** Its id (hex); "" for an account not made yet. */
  accountId: string;
  /** The account's own grants (all of its role bindings). */
  grants: Grants;
  managerAccountIds: readonly string[];
  managerRoles: readonly string[];
}

/** Reads look; changes alter the account or its tokens (rule 3 applies to them). */
export type Operation = "read" | "change";

function describe(scope: Scope): string {
  return scope.all ? "all environments" : [...scope.environments].sort().join(", ") || "no environment";
}

/** Rule 1: the token itself must carry the permission. Returns where it holds. */
export function requirePermission(caller: Caller, permission: IdentityPermission): Scope {
  const scope = scopeFor(caller.grants, permission);
  if (!scope.all && scope.environments.size === 0) {
    throw permissionDenied(`this needs the "${permission}" permission, which your token does not grant.`);
  }
  return scope;
}

/** Rule 2: an account whose access reaches beyond where the caller holds the permission is out of bounds. */
function withinBounds(scope: Scope, target: Pick<TargetAccount, "grants">): boolean {
  return covers(scope, reach(target.grants));
}

/**
 * Whether the caller is one of the account's managers. Never of its own account: a token narrowed
 * below its account would otherwise act on that account with all of its access (rule 3).
 */
function isManager(caller: Caller, target: TargetAccount): boolean {
  if (target.accountId === caller.accountId) return false;
  return target.managerAccountIds.includes(caller.accountId) || target.managerRoles.some((role) => caller.roles.includes(role));
}

/** Whether a list may show this account to the caller (rules 1 and 2). */
export function canSee(caller: Caller, target: Pick<TargetAccount, "grants">): boolean {
  return withinBounds(scopeFor(caller.grants, "accounts.read"), target);
}

/** Rules 1-3 for an operation on an account or its tokens. */
export function requireOnAccount(caller: Caller, permission: IdentityPermission, target: TargetAccount, operation: Operation): void {
  const scope = requirePermission(caller, permission);
  if (!withinBounds(scope, target)) {
    // The account's own reach is not said: a caller out of bounds learns nothing about it.
    throw permissionDenied(
      `your token holds "${permission}" only in ${describe(scope)}, and this service account has access beyond it.`,
      "environment_denied",
    );
  }
  if (operation === "read" || isManager(caller, target)) return;
  const missing = excess(caller.grants, target.grants);
  if (missing.length > 0) {
    throw permissionDenied(
      `this service account holds access your token does not (${missing.join("; ")}), and you are not one of its managers.`,
      "superior",
    );
  }
}

/** Rule 4: refuses to hand out or designate access the caller does not hold itself. */
export function requireWithin(caller: Caller, wanted: Grants, what: string): void {
  const missing = excess(caller.grants, wanted);
  if (missing.length > 0) {
    throw permissionDenied(`${what} would grant access your token does not hold: ${missing.join("; ")}.`, "escalation");
  }
}

/** Rules 1, 2 and 4 for a new account with these grants. */
export function requireCreateAccount(caller: Caller, grants: Grants): void {
  requireOnAccount(caller, "accounts.write", { accountId: "", grants, managerAccountIds: [], managerRoles: [] }, "read");
  requireWithin(caller, grants, "this service account");
}

/** Rule 4: a widening of an account's bindings voids designations made under the narrower ones. */
export function widens(before: Grants, after: Grants): boolean {
  return excess(before, after).length > 0;
}

/** Rule 7: the role binding that makes an account an administrator of everything. */
export function isFullAdmin(bindings: readonly Binding[]): boolean {
  return bindings.some((b) => b.role === "admin" && b.allEnvironments);
}
