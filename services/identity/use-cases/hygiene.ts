// Hygiene: what deserves attention in an organisation's machine identities (a report), and the
// organisation's policy of revoking tokens nobody uses (a sweep every instance runs; the revocation
// is conditional on the token still being unused, so concurrent sweeps revoke and audit once).
import { randomUUID } from "node:crypto";
import { apiTokenId } from "../../../client/ids.ts";
import { invalidArgument } from "../domain/errors.ts";
import { wildcardPermission } from "../domain/permissions.ts";
import { formatDuration } from "../domain/token-policy.ts";
import { requirePermission } from "../policy/access.ts";
import type { AccountRepository } from "../store/account-repository.ts";
import type { AccountDoc, TokenDoc } from "../store/documents.ts";
import type { OrganizationRepository } from "../store/organization-repository.ts";
import type { TokenRepository } from "../store/token-repository.ts";
import type { Deps } from "./deps.ts";
import { Effects, invalidate, outcome, type Call, type Outcome } from "./effects.ts";
import * as refs from "./references.ts";

const day = 86_400_000;
/** How many accounts and tokens one report reads; beyond, it says it is partial. */
const reportLimit = 10_000;

export interface HygieneDeps extends Deps {
  accountsOf: Pick<AccountRepository, "activeOf">;
  tokensOf: Pick<TokenRepository, "activeOf">;
}

export interface HygieneReport {
  unusedDays: number;
  expiringDays: number;
  tokensWithoutExpiry: TokenDoc[];
  unusedTokens: TokenDoc[];
  expiringTokens: TokenDoc[];
  idleAccounts: AccountDoc[];
  adminAccounts: { account: AccountDoc; roles: string[] }[];
  unexercisedRoles: { role: string; accountCount: number }[];
  /** The accounts of the tokens above, by id, for names. */
  accounts: Map<string, AccountDoc>;
  truncated: boolean;
}

function days(field: string, value: number, fallback: number): number {
  if (value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 365) throw invalidArgument(field, "must be from 1 to 365 days");
  return value;
}

const lastUse = (x: { lastUsedTime: Date | null; createTime: Date }) => x.lastUsedTime ?? x.createTime;

export async function hygieneReport(deps: HygieneDeps, call: Call, input: { unusedDays: number; expiringDays: number }): Promise<Outcome<HygieneReport>> {
  const { caller } = call;
  requirePermission(caller, "accounts.read");
  const unusedDays = days("unused_days", input.unusedDays, 30);
  const expiringDays = days("expiring_days", input.expiringDays, 7);
  const now = new Date();
  const idleBefore = new Date(now.getTime() - unusedDays * day);
  const expiringBy = new Date(now.getTime() + expiringDays * day);

  const allAccounts = await deps.accountsOf.activeOf(caller.org, reportLimit + 1);
  const allTokens = await deps.tokensOf.activeOf(caller.org, now, reportLimit + 1);
  const truncated = allAccounts.length > reportLimit || allTokens.length > reportLimit;
  // Rule 2: the report covers the accounts the caller may see, and their tokens.
  const reported = allAccounts.slice(0, reportLimit);
  // Custom roles are read once, for the visibility rule and the report alike.
  const lookup = await deps.roles.rolePermissions(caller.org, reported.flatMap((a) => a.roleBindings));
  const visible = await refs.visibleAccounts(deps, caller, reported, lookup);
  const accounts = new Map(visible.map((a) => [a._id.toHexString(), a]));
  const tokens = allTokens.slice(0, reportLimit).filter((t) => accounts.has(t.accountId.toHexString()));

  const idle = visible.filter((a) => lastUse(a) < idleBefore);
  const idleIds = new Set(idle.map((a) => a._id.toHexString()));
  const adminAccounts = visible
    .map((account) => ({ account, roles: [...new Set(account.roleBindings.filter((b) => lookup(b.role)?.includes(wildcardPermission)).map((b) => b.role))] }))
    .filter((a) => a.roles.length > 0);
  const holders = new Map<string, AccountDoc[]>();
  for (const account of visible) {
    for (const role of new Set(account.roleBindings.map((b) => b.role))) {
      const bound = holders.get(role);
      if (bound) bound.push(account);
      else holders.set(role, [account]);
    }
  }
  const unexercisedRoles = [...holders]
    .filter(([, bound]) => bound.every((a) => idleIds.has(a._id.toHexString())))
    .map(([role, bound]) => ({ role, accountCount: bound.length }))
    .sort((a, b) => a.role.localeCompare(b.role));

  return outcome(call, {
    unusedDays,
    expiringDays,
    tokensWithoutExpiry: tokens.filter((t) => t.expireTime === null),
    unusedTokens: tokens.filter((t) => lastUse(t) < idleBefore),
    expiringTokens: tokens.filter((t) => t.expireTime !== null && t.expireTime <= expiringBy),
    idleAccounts: idle,
    adminAccounts,
    unexercisedRoles,
    accounts,
    truncated,
  });
}

export interface SweepDeps {
  organizations: Pick<OrganizationRepository, "withUnusedTokenPolicy">;
  tokens: Pick<TokenRepository, "unusedSince" | "revokeUnused">;
}

/** Revokes the tokens each organisation's policy says have gone unused too long; returns how many. */
export async function revokeUnusedTokens(deps: SweepDeps, now: Date, batch = 500): Promise<number> {
  let revoked = 0;
  const facts = { requestId: randomUUID(), clientRequestId: "", channel: "system", peer: "" };
  for (const org of await deps.organizations.withUnusedTokenPolicy()) {
    const after = org.tokenPolicy.revokeUnusedAfterMs!;
    const cutoff = new Date(now.getTime() - after);
    for (const token of await deps.tokens.unusedSince(org._id, cutoff, now, batch)) {
      const effects = new Effects("token.revoke", () => facts);
      effects.org = org._id;
      effects.on(apiTokenId(token._id));
      effects.because(`unused for ${formatDuration(after)} (organisation policy)`);
      const entry = effects.commit([invalidate("token", token.hash)]);
      if (await deps.tokens.revokeUnused(org._id, token._id.toHexString(), cutoff, now, entry)) revoked++;
    }
  }
  return revoked;
}
