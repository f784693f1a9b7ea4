// Validation of request fields that name other resources (roles, environments, accounts): shape
// first, then existence in the caller's organisation, so a binding never points at nothing.
import { ObjectId } from "mongodb";
import { IdentityError, failedPrecondition, invalidArgument, notFound } from "../domain/errors.ts";
import { canSee, isFullAdmin, type Caller, type TargetAccount } from "../policy/access.ts";
import { grantsOf } from "../domain/permissions.ts";
import type { Binding } from "../domain/permissions.ts";
import * as valid from "../domain/validation.ts";
import type { AccountDoc } from "../store/documents.ts";
import { accountIdPrefix, apiAccountId } from "../../../client/ids.ts";
import type { Deps } from "./deps.ts";

interface BindingInput {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

export async function roleBindings(deps: Deps, org: string, field: string, input: readonly BindingInput[]): Promise<Binding[]> {
  if (input.length > 20) throw invalidArgument(field, "must have at most 20 bindings");
  const bindings = input.map((b, i) => {
    const at = `${field}[${i}]`;
    const role = valid.name(`${at}.role`, b.role);
    const environments = valid.list(`${at}.environments`, b.environments, valid.name);
    if (b.allEnvironments === (environments.length > 0)) {
      throw invalidArgument(`${at}.environments`, "set either all_environments or a list of environments");
    }
    return { role, allEnvironments: b.allEnvironments, environments };
  });
  const lookup = await deps.roles.rolePermissions(org, bindings);
  bindings.forEach((b, i) => {
    if (!lookup(b.role)) throw invalidArgument(`${field}[${i}].role`, `there is no role "${b.role}"`);
  });
  await environments(deps, org, field, bindings.flatMap((b) => b.environments));
  return bindings;
}

/** Checks that every named environment exists. */
export async function environments(deps: Deps, org: string, field: string, names: readonly string[]): Promise<void> {
  const existing = await deps.store.environments.existing(org, names);
  const missing = names.find((n) => !existing.has(n));
  if (missing) throw invalidArgument(field, `there is no environment "${missing}"; create it first`);
}

export async function managerAccountIds(deps: Deps, org: string, field: string, ids: readonly string[]): Promise<string[]> {
  const parsed = valid.list(field, ids, (f, v) => valid.resourceId(f, v, accountIdPrefix));
  const existing = await deps.store.accounts.existing(org, parsed);
  const missing = parsed.find((id) => !existing.has(id));
  if (missing) throw invalidArgument(field, `there is no service account "${apiAccountId(missing)}"`);
  return parsed;
}

export async function managerRoles(deps: Deps, org: string, field: string, names: readonly string[]): Promise<string[]> {
  const roles = valid.list(field, names, valid.name);
  const lookup = await deps.roles.rolePermissions(
    org,
    roles.map((role) => ({ role, allEnvironments: true, environments: [] })),
  );
  const missing = roles.find((r) => !lookup(r));
  if (missing) throw invalidArgument(field, `there is no role "${missing}"`);
  return roles;
}

/**
 * Loads an existing account of the organisation by its API id, or fails with NOT_FOUND; for a
 * `reference` (an account another resource is made for, e.g. a token's account_id) the error
 * names the field, since the call's own target is not what is missing.
 */
export async function existingAccount(deps: Deps, org: string, field: string, id: string, reference = false): Promise<AccountDoc> {
  const account = await deps.store.accounts.find(org, valid.resourceId(field, id, accountIdPrefix));
  if (!account) throw notFound("service account", id, reference ? field : "");
  return account;
}

/** The account as the policy sees it: its own grants and its managers. */
export async function target(deps: Deps, account: AccountDoc): Promise<TargetAccount> {
  return {
    accountId: account._id.toHexString(),
    grants: await deps.roles.grantsOf(account.org, account.roleBindings),
    managerAccountIds: account.managerAccountIds,
    managerRoles: account.managerRoles,
  };
}

/**
 * Rule 7: runs `change` unless afterwards `account` would no longer be a full administrator while
 * no other active account is one. Such changes hold the organisation's admin lock from the count
 * to the write, so two of them cannot each remove "the other" last admin.
 */
export async function keepingAnAdmin<T>(deps: Deps, account: AccountDoc, remainsAdmin: boolean, change: () => Promise<T>): Promise<T> {
  if (remainsAdmin || account.status !== "active" || !isFullAdmin(account.roleBindings)) return change();
  const holder = new ObjectId().toHexString();
  if (!(await deps.store.organizations.lockAdmins(account.org, holder, new Date(), 10_000))) {
    throw new IdentityError("aborted", "another change to the organisation's administrators is in progress; retry.", "admins_changing");
  }
  try {
    const others = await deps.store.accounts.activeFullAdmins(account.org, account._id);
    if (others === 0) {
      throw failedPrecondition("this is the organisation's last active administrator; make another account admin first.", "last_admin");
    }
    return await change();
  } finally {
    await deps.store.organizations.unlockAdmins(account.org, holder);
  }
}

/**
 * The accounts a list may show the caller (rule 2), resolving custom roles once: with `lookup`
 * when the caller resolved them already.
 */
export async function visibleAccounts(
  deps: Deps,
  caller: Caller,
  accounts: readonly AccountDoc[],
  lookup?: Awaited<ReturnType<Deps["roles"]["rolePermissions"]>>,
): Promise<AccountDoc[]> {
  lookup ??= await deps.roles.rolePermissions(caller.org, accounts.flatMap((a) => a.roleBindings));
  return accounts.filter((a) => canSee(caller, { grants: grantsOf(a.roleBindings, lookup) }));
}
