// Authorisation rules: who may do what to which account. Pure; the caller's grants come from
// authentication, the account's from its role bindings.
import { permissionDenied } from "./errors.ts";
import { excess, holds, type Grants, type IdentityPermission } from "./permissions.ts";

export interface Caller {
  org: string;
  accountId: string;
  accountName: string;
  tokenId: string;
  roles: readonly string[];
  grants: Grants;
  audiences: readonly string[];
  tokenExpireTime: Date | null;
  /** The service (e.g. the MCP server) acting for this caller; it never widens the caller's access. */
  delegate: { accountId: string; accountName: string } | null;
}

export interface ManagedAccount {
  managerAccountIds: readonly string[];
  managerRoles: readonly string[];
  createdByAccountId: string;
}

export function requirePermission(caller: Caller, permission: IdentityPermission): void {
  if (!holds(caller.grants, permission)) {
    throw permissionDenied(`this needs the "${permission}" permission, which your token does not grant`);
  }
}

/** Org-wide permission, or listed as a manager (by account or role), or the account's creator. */
function canManage(caller: Caller, account: ManagedAccount, permission: IdentityPermission): boolean {
  return (
    holds(caller.grants, permission) ||
    account.managerAccountIds.includes(caller.accountId) ||
    account.managerRoles.some((role) => caller.roles.includes(role)) ||
    account.createdByAccountId === caller.accountId
  );
}

export function requireManage(caller: Caller, account: ManagedAccount, permission: IdentityPermission): void {
  if (!canManage(caller, account, permission)) {
    throw permissionDenied(
      `this needs the "${permission}" permission, or being a manager or the creator of the service account`,
    );
  }
}

/** Refuses to hand out access the caller does not hold itself. */
export function requireNoEscalation(caller: Caller, wanted: Grants, what: string): void {
  const missing = excess(caller.grants, wanted);
  if (missing.length > 0) {
    throw permissionDenied(`${what} would grant access you do not hold: ${missing.join("; ")}`, "escalation");
  }
}
