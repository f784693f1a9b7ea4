// Tokens: issue, read, rotate, revoke, restore and delete, each under the authorisation rules of
// docs/security.md (policy/access.ts decides) and committed with its effects.
import { ObjectId } from "mongodb";
import { apiAccountId, apiTokenId, tokenIdPrefix } from "../../../client/ids.ts";
import { failedPrecondition, invalidArgument, notFound } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import { covers, narrow, reach, type Grants } from "../domain/permissions.ts";
import type { TokenPolicy } from "../domain/token-policy.ts";
import { assertDeletable, assertRestorable, assertRotatable, type TokenState } from "../domain/token-state.ts";
import * as valid from "../domain/validation.ts";
import { requireOnAccount, requirePermission, type Caller } from "../policy/access.ts";
import type { AccountDoc, TokenDoc } from "../store/documents.ts";
import type { UsageDoc } from "../store/usage-repository.ts";
import type { Deps } from "./deps.ts";
import { invalidate, outcome, type Call, type Effects, type Outcome } from "./effects.ts";
import { issue } from "./issue-token.ts";
import * as refs from "./references.ts";

export interface CreateTokenInput {
  accountId: string;
  label: string;
  permissions: readonly string[];
  environments: readonly string[];
  audiences: readonly string[];
  ttl?: valid.WireTime;
}

export interface RotateTokenInput {
  id: string;
  gracePeriod?: valid.WireTime;
  ttl?: valid.WireTime;
}

export interface ListTokensInput {
  accountId: string;
  state: TokenState | undefined;
  pageSize: number;
  pageToken: string;
}

/** A token with its use over the last 24 hours, as of `now`. */
export interface TokenView {
  token: TokenDoc;
  usage: readonly UsageDoc[];
}

/** A freshly issued token: its secret is in the result once and never stored. */
export interface Issued {
  token: TokenDoc;
  secret: string;
  now: Date;
}

export async function policyOf(deps: Deps, org: string): Promise<TokenPolicy> {
  const organization = await deps.store.organizations.find(org);
  return organization?.tokenPolicy ?? { maxTtlMs: null, defaultTtlMs: null };
}

/** The token and its account (deleted accounts included), or NOT_FOUND across organisations. */
async function load(deps: Deps, caller: Caller, id: string): Promise<{ token: TokenDoc; account: AccountDoc }> {
  const token = await deps.store.tokens.find(caller.org, valid.resourceId("id", id, tokenIdPrefix));
  const account = token && (await deps.store.accounts.findForAuthentication(token.accountId));
  if (!token || !account) throw notFound("token", id);
  return { token, account };
}

/**
 * A token stored while its account was being deleted would outlive the deletion's revocation
 * sweep: revoke it and report the account as gone.
 */
export async function revokeIfAccountGone(deps: Deps, effects: Effects, token: TokenDoc, now: Date): Promise<void> {
  if (await deps.store.accounts.find(token.org, token.accountId.toHexString())) return;
  const reason = "service account deleted";
  const entry = effects.commit([invalidate("token", token.hash)], { action: "token.revoke", target: apiTokenId(token._id), detail: reason });
  await deps.store.tokens.revoke(token.org, token._id.toHexString(), reason, now, entry);
  throw notFound("service account", apiAccountId(token.accountId));
}

/** Tokens with their use over the 24 hours before `now`. */
async function withUsage(deps: Deps, docs: readonly TokenDoc[], now: Date): Promise<TokenView[]> {
  const usage = await deps.store.usage.since(docs.map((d) => d._id), new Date(now.getTime() - 24 * 3_600_000));
  return docs.map((token) => ({ token, usage: usage.get(token._id.toHexString()) ?? [] }));
}

/** What a token may be narrowed to: permissions, environments and the services it may be presented to. */
export interface Narrowing {
  permissions: readonly string[];
  environments: readonly string[];
  audiences: readonly string[];
}

/** The request fields a narrowing came in, for errors. */
export type NarrowingFields = Record<keyof Narrowing, string>;

const tokenFields: NarrowingFields = { permissions: "permissions", environments: "environments", audiences: "audiences" };

/**
 * Validates a narrowing of an account's access. A token narrows its account's access; asking for
 * more is a mistake worth reporting (rule 5).
 */
export async function narrowing(deps: Deps, org: string, grants: Grants, input: Narrowing, fields = tokenFields): Promise<{ [K in keyof Narrowing]: string[] }> {
  const permissions = valid.list(fields.permissions, input.permissions, valid.permission);
  const environments = valid.list(fields.environments, input.environments, valid.name);
  const audiences = valid.list(fields.audiences, input.audiences, valid.audience);
  await refs.environments(deps, org, fields.environments, environments);
  const accountReach = reach(grants);
  environments.forEach((e, i) => {
    if (!covers(accountReach, { all: false, environments: new Set([e]) })) {
      throw invalidArgument(`${fields.environments}[${i}]`, `the service account has no access in "${e}"`);
    }
  });
  const granted = narrow(grants, permissions, environments);
  permissions.forEach((p, i) => {
    if (!granted.has(p)) {
      const where = environments.length > 0 ? " in the requested environments" : "";
      throw invalidArgument(`${fields.permissions}[${i}]`, `the service account does not hold "${p}"${where}`);
    }
  });
  return { permissions, environments, audiences };
}

export async function createToken(deps: Deps, call: Call, input: CreateTokenInput): Promise<Outcome<Issued>> {
  const { caller, effects } = call;
  const account = await refs.existingAccount(deps, caller.org, "account_id", input.accountId, true);
  effects.on(input.accountId);
  const target = await refs.target(deps, account);
  requireOnAccount(caller, "tokens.write", target, "change");
  const label = valid.text("label", input.label, 100, true);
  const { permissions, environments, audiences } = await narrowing(deps, caller.org, target.grants, input);
  const ttl = valid.duration("ttl", input.ttl, false);
  const now = new Date();
  const { doc, secret } = issue({
    org: caller.org,
    accountId: account._id,
    label,
    permissions,
    environments,
    audiences,
    createdBy: { accountId: caller.accountId, accountName: caller.accountName },
    policy: await policyOf(deps, caller.org),
    ttlMs: ttl,
    now,
    tokenPrefix: deps.tokenPrefix,
  });
  effects.on(apiTokenId(doc._id));
  // The hash may be remembered as unknown (negative cache): creating it invalidates that.
  await deps.store.tokens.insert(doc, effects.commit([invalidate("token", doc.hash)]));
  await revokeIfAccountGone(deps, call.effects, doc, now);
  return outcome(call, { token: doc, secret, now });
}

export async function getToken(deps: Deps, call: Call, id: string): Promise<Outcome<TokenView>> {
  const { token, account } = await load(deps, call.caller, id);
  requireOnAccount(call.caller, "accounts.read", await refs.target(deps, account), "read");
  const [view] = await withUsage(deps, [token], new Date());
  return outcome(call, view!);
}

export async function listTokens(deps: Deps, call: Call, input: ListTokensInput): Promise<Outcome<{ tokens: TokenView[]; nextPageToken: string }>> {
  const { caller } = call;
  const pageSize = valid.pageSize("page_size", input.pageSize);
  let accountIds: ObjectId[] | undefined;
  if (input.accountId === "") {
    requirePermission(caller, "accounts.read");
  } else {
    const account = await refs.existingAccount(deps, caller.org, "account_id", input.accountId, true);
    requireOnAccount(caller, "accounts.read", await refs.target(deps, account), "read");
    accountIds = [account._id];
  }
  const filters = { accountId: input.accountId, state: input.state };
  const scope = { list: "tokens", org: call.caller.org, filters };
  const after = decodePageToken(input.pageToken, scope);
  const now = new Date();
  const page = await deps.store.tokens.list(caller.org, accountIds, filters.state, now, pageSize, after);
  // Rule 2: an organisation-wide list shows only tokens of accounts the caller may see.
  const shown = accountIds ? page.items : await visibleTokens(deps, caller, page.items);
  return outcome(call, {
    tokens: await withUsage(deps, shown, now),
    nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "",
  });
}

async function visibleTokens(deps: Deps, caller: Caller, docs: readonly TokenDoc[]): Promise<TokenDoc[]> {
  const accounts = await deps.store.accounts.findMany(caller.org, docs.map((d) => d.accountId));
  const visible = new Set((await refs.visibleAccounts(deps, caller, accounts)).map((a) => a._id.toHexString()));
  return docs.filter((d) => visible.has(d.accountId.toHexString()));
}

export async function rotateToken(deps: Deps, call: Call, input: RotateTokenInput): Promise<Outcome<Issued & { previous: TokenDoc }>> {
  const { caller, effects } = call;
  const { token, account } = await load(deps, caller, input.id);
  effects.on(input.id);
  requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
  const grace = valid.duration("grace_period", input.gracePeriod, true) ?? 0;
  const ttl = valid.duration("ttl", input.ttl, false);
  const now = new Date();
  // A deleted account's tokens exist (revoked), like for Get, Revoke and Restore (rule 10).
  assertRotatable(token, now);
  if (account.status === "deleted") throw failedPrecondition("the token's service account was deleted", "account_deleted");
  const policy = await policyOf(deps, caller.org);
  // Without a ttl the replacement lives as long as the old token did (within today's maximum), or
  // the organisation's default when the old one never expired.
  const inherited = token.expireTime ? token.expireTime.getTime() - token.createTime.getTime() : undefined;
  const lifetime = ttl ?? (inherited !== undefined && policy.maxTtlMs !== null ? Math.min(inherited, policy.maxTtlMs) : inherited);
  const { doc: replacement, secret } = issue({
    id: new ObjectId(),
    rotatedFrom: token._id,
    org: token.org,
    accountId: token.accountId,
    label: token.label,
    permissions: token.permissions,
    environments: token.environments,
    audiences: token.audiences,
    createdBy: { accountId: caller.accountId, accountName: caller.accountName },
    policy,
    ttlMs: lifetime,
    now,
    tokenPrefix: deps.tokenPrefix,
  });
  // A grace period keeps the old secret working, no longer than a new token may live (the answer
  // shows the old token's expiry): clients ask for a day by default, whatever the maximum.
  const graceEnd = new Date(now.getTime() + Math.min(grace, policy.maxTtlMs ?? grace));
  const previousExpireTime = token.expireTime;
  const oldExpireTime = previousExpireTime && previousExpireTime < graceEnd ? previousExpireTime : graceEnd;
  // The replacement's effects ride on the claim: the old token's change and the new hash.
  const entry = effects.commit([invalidate("token", token.hash), invalidate("token", replacement.hash)]);
  const claimed = await deps.store.tokens.claimRotation(caller.org, token._id.toHexString(), replacement._id, oldExpireTime, now, entry);
  if (!claimed) throw failedPrecondition("the token was rotated, revoked or expired meanwhile", "already_rotated");
  try {
    await deps.store.tokens.insert(replacement);
  } catch (error) {
    // The claim was committed (and audited); undoing it is a change of its own, audited as such,
    // and caches must forget the shortened expiry.
    const undo = effects.commit([invalidate("token", token.hash)], {
      action: "token.rotate_undo",
      target: input.id,
      detail: "the replacement could not be stored; the token keeps its expiry",
    });
    await deps.store.tokens.releaseRotation(claimed, previousExpireTime, undo);
    throw error;
  }
  await revokeIfAccountGone(deps, call.effects, replacement, now);
  return outcome(call, { token: replacement, secret, now, previous: claimed });
}

export async function revokeToken(deps: Deps, call: Call, input: { id: string; reason: string }): Promise<Outcome<TokenDoc>> {
  const { caller, effects } = call;
  const { token, account } = await load(deps, caller, input.id);
  effects.on(input.id);
  // Anyone may revoke the token they present, e.g. one they believe leaked (rule 6).
  if (token._id.toHexString() !== caller.tokenId) {
    requireOnAccount(caller, "tokens.revoke", await refs.target(deps, account), "change");
  }
  const reason = valid.text("reason", input.reason, 256);
  effects.because(reason);
  const now = new Date();
  // Revoking a revoked token changes nothing and succeeds, so retries are safe; it publishes nothing.
  const revoked = await deps.store.tokens.revoke(caller.org, token._id.toHexString(), reason, now, effects.commit([invalidate("token", token.hash)]));
  return outcome(call, revoked ?? (await load(deps, caller, input.id)).token);
}

export async function restoreToken(deps: Deps, call: Call, id: string): Promise<Outcome<TokenDoc>> {
  const { caller, effects } = call;
  const { token, account } = await load(deps, caller, id);
  effects.on(id);
  requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
  const now = new Date();
  if (account.status === "deleted") throw failedPrecondition("the token's service account was deleted", "account_deleted");
  assertRestorable(token, account.status === "active", now);
  const restored = await deps.store.tokens.restore(caller.org, token._id.toHexString(), now, effects.commit([invalidate("token", token.hash)]));
  if (!restored) throw failedPrecondition("the token changed meanwhile; read it again", "token_changed");
  return outcome(call, restored);
}

export async function deleteToken(deps: Deps, call: Call, id: string): Promise<Outcome<void>> {
  const { caller, effects } = call;
  const { token, account } = await load(deps, caller, id);
  effects.on(id);
  requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
  const now = new Date();
  assertDeletable(token, now);
  if (!(await deps.store.tokens.deleteInactive(caller.org, token._id.toHexString(), now, effects.commit([invalidate("token", token.hash)])))) {
    throw failedPrecondition("the token changed meanwhile; read it again", "token_changed");
  }
  return outcome(call, undefined);
}
