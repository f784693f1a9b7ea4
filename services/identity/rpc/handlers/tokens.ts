import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { TokenService, TokenState } from "../../../../gen/tessera/identity/v1/token_pb.ts";
import { requireOnAccount, requirePermission, type Caller } from "../../policy/access.ts";
import { failedPrecondition, invalidArgument, notFound } from "../../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../../domain/page-token.ts";
import { covers, narrow, reach } from "../../domain/permissions.ts";
import type { TokenPolicy } from "../../domain/token-policy.ts";
import { issue } from "../../use-cases/issue-token.ts";
import { assertDeletable, assertRestorable, assertRotatable, type TokenState as State } from "../../domain/token-state.ts";
import * as valid from "../../domain/validation.ts";
import type { AccountDoc, TokenDoc } from "../../store/documents.ts";
import { auditDetail, auditTarget, callerOf, effects, invalidate } from "../context.ts";
import { apiAccountId, apiTokenId, tokenIdPrefix, tokenMessage } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as refs from "../../use-cases/references.ts";

export function tokenHandlers(deps: Deps): ServiceImpl<typeof TokenService> {
  const { store } = deps;

  async function policyOf(org: string): Promise<TokenPolicy> {
    const organization = await store.organizations.find(org);
    return organization?.tokenPolicy ?? { maxTtlMs: null, defaultTtlMs: null };
  }

  /** The token and its account (deleted accounts included), or NOT_FOUND across organisations. */
  async function load(caller: Caller, id: string): Promise<{ token: TokenDoc; account: AccountDoc }> {
    const token = await store.tokens.find(caller.org, valid.resourceId("id", id, tokenIdPrefix));
    const account = token && (await store.accounts.findForAuthentication(token.accountId));
    if (!token || !account) throw notFound("token", id);
    return { token, account };
  }

  /**
   * A token stored while its account was being deleted would outlive the deletion's revocation
   * sweep: revoke it and report the account as gone.
   */
  async function revokeIfAccountGone(ctx: HandlerContext, token: TokenDoc, now: Date): Promise<void> {
    if (await store.accounts.find(token.org, token.accountId.toHexString())) return;
    const reason = "service account deleted";
    const entry = effects(ctx, [invalidate("token", token.hash)]);
    entry.audit = { ...entry.audit, action: "token.revoke", target: apiTokenId(token._id), detail: reason };
    await store.tokens.revoke(token.org, token._id.toHexString(), reason, now, entry);
    throw notFound("service account", apiAccountId(token.accountId.toHexString()));
  }

  /** The tokens whose accounts a list may show the caller (rule 2). */
  async function visibleTokens(caller: Caller, docs: readonly TokenDoc[]): Promise<TokenDoc[]> {
    const accounts = await store.accounts.findMany(caller.org, docs.map((d) => d.accountId));
    const visible = new Set((await refs.visibleAccounts(deps, caller, accounts)).map((a) => a._id.toHexString()));
    return docs.filter((d) => visible.has(d.accountId.toHexString()));
  }

  /** Tokens as messages, with their use over the last 24 hours. */
  async function withUsage(docs: readonly TokenDoc[], now: Date) {
    const usage = await store.usage.since(docs.map((d) => d._id), new Date(now.getTime() - 24 * 3_600_000));
    return docs.map((d) => tokenMessage(d, now, usage.get(d._id.toHexString())));
  }

  return {
    async createToken(req, ctx) {
      const caller = callerOf(ctx);
      const account = await refs.existingAccount(deps, caller.org, "account_id", req.accountId);
      auditTarget(ctx, req.accountId);
      const target = await refs.target(deps, account);
      requireOnAccount(caller, "tokens.write", target, "change");
      const label = valid.text("label", req.label, 100, true);
      const permissions = valid.list("permissions", req.permissions, valid.permission);
      const environments = valid.list("environments", req.environments, valid.name);
      const audiences = valid.list("audiences", req.audiences, valid.audience);
      const ttl = valid.duration("ttl", req.ttl, false);
      await refs.environments(deps, caller.org, "environments", environments);
      // A token narrows its account's access; asking for more is a mistake worth reporting (rule 5).
      const accountReach = reach(target.grants);
      environments.forEach((e, i) => {
        if (!covers(accountReach, { all: false, environments: new Set([e]) })) {
          throw invalidArgument(`environments[${i}]`, `the service account has no access in "${e}"`);
        }
      });
      const granted = narrow(target.grants, permissions, environments);
      permissions.forEach((p, i) => {
        if (!granted.has(p)) {
          const where = environments.length > 0 ? " in the requested environments" : "";
          throw invalidArgument(`permissions[${i}]`, `the service account does not hold "${p}"${where}`);
        }
      });
      const now = new Date();
      const { doc, secret } = issue({
        org: caller.org,
        accountId: account._id,
        label,
        permissions,
        environments,
        audiences,
        createdBy: { accountId: caller.accountId, accountName: caller.accountName },
        policy: await policyOf(caller.org),
        ttlMs: ttl,
        now,
        tokenPrefix: deps.tokenPrefix,
      });
      auditTarget(ctx, apiTokenId(doc._id));
      // The hash may be remembered as unknown (negative cache): creating it invalidates that.
      await store.tokens.insert(doc, effects(ctx, [invalidate("token", doc.hash)]));
      await revokeIfAccountGone(ctx, doc, now);
      return { token: tokenMessage(doc, now), secret };
    },

    async getToken(req, ctx) {
      const caller = callerOf(ctx);
      const { token, account } = await load(caller, req.id);
      requireOnAccount(caller, "accounts.read", await refs.target(deps, account), "read");
      const [message] = await withUsage([token], new Date());
      return { token: message };
    },

    async listTokens(req, ctx) {
      const caller = callerOf(ctx);
      const pageSize = valid.pageSize("page_size", req.pageSize);
      let accountIds: ObjectId[] | undefined;
      if (req.accountId === "") {
        requirePermission(caller, "accounts.read");
      } else {
        const account = await refs.existingAccount(deps, caller.org, "account_id", req.accountId);
        requireOnAccount(caller, "accounts.read", await refs.target(deps, account), "read");
        accountIds = [account._id];
      }
      const filters = { accountId: req.accountId, state: stateFilter(req.state) };
      const after = decodePageToken(req.pageToken, filters);
      const now = new Date();
      const page = await store.tokens.list(caller.org, accountIds, filters.state, now, pageSize, after);
      return {
        tokens: await withUsage(accountIds ? page.items : await visibleTokens(caller, page.items), now),
        nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, filters) : "",
      };
    },

    async rotateToken(req, ctx) {
      const caller = callerOf(ctx);
      const { token, account } = await load(caller, req.id);
      auditTarget(ctx, req.id);
      requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
      const grace = valid.duration("grace_period", req.gracePeriod, true) ?? 0;
      const ttl = valid.duration("ttl", req.ttl, false);
      const now = new Date();
      // A deleted account's tokens exist (revoked), like for Get, Revoke and Restore (rule 10).
      assertRotatable(token, now);
      if (account.status === "deleted") throw failedPrecondition("the token's service account was deleted", "account_deleted");
      const lifetime = ttl ?? (token.expireTime ? token.expireTime.getTime() - token.createTime.getTime() : undefined);
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
        policy: await policyOf(caller.org),
        ttlMs: lifetime,
        now,
        tokenPrefix: deps.tokenPrefix,
      });
      const graceEnd = new Date(now.getTime() + grace);
      const previousExpireTime = token.expireTime;
      const oldExpireTime = previousExpireTime && previousExpireTime < graceEnd ? previousExpireTime : graceEnd;
      // The replacement's effects ride on the claim: the old token's change and the new hash.
      const committed = effects(ctx, [invalidate("token", token.hash), invalidate("token", replacement.hash)]);
      const claimed = await store.tokens.claimRotation(caller.org, token._id.toHexString(), replacement._id, oldExpireTime, now, committed);
      if (!claimed) throw failedPrecondition("the token was rotated, revoked or expired meanwhile", "already_rotated");
      try {
        await store.tokens.insert(replacement);
      } catch (error) {
        await store.tokens.releaseRotation(claimed, previousExpireTime);
        throw error;
      }
      await revokeIfAccountGone(ctx, replacement, now);
      return { token: tokenMessage(replacement, now), secret, previousToken: tokenMessage(claimed, now) };
    },

    async revokeToken(req, ctx) {
      const caller = callerOf(ctx);
      const { token, account } = await load(caller, req.id);
      auditTarget(ctx, req.id);
      const ownToken = token._id.toHexString() === caller.tokenId;
      // Anyone may revoke the token they present, e.g. one they believe leaked (rule 6).
      if (!ownToken) requireOnAccount(caller, "tokens.revoke", await refs.target(deps, account), "change");
      const reason = valid.text("reason", req.reason, 256);
      auditDetail(ctx, reason);
      const now = new Date();
      // Revoking a revoked token changes nothing and succeeds, so retries are safe; it publishes nothing.
      const revoked = await store.tokens.revoke(caller.org, token._id.toHexString(), reason, now, effects(ctx, [invalidate("token", token.hash)]));
      if (!revoked) return { token: tokenMessage((await load(caller, req.id)).token, now) };
      return { token: tokenMessage(revoked, now) };
    },

    async restoreToken(req, ctx) {
      const caller = callerOf(ctx);
      const { token, account } = await load(caller, req.id);
      auditTarget(ctx, req.id);
      requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
      const now = new Date();
      if (account.status === "deleted") throw failedPrecondition("the token's service account was deleted", "account_deleted");
      assertRestorable(token, account.status === "active", now);
      const restored = await store.tokens.restore(caller.org, token._id.toHexString(), now, effects(ctx, [invalidate("token", token.hash)]));
      if (!restored) throw failedPrecondition("the token changed meanwhile; read it again", "token_changed");
      return { token: tokenMessage(restored, now) };
    },

    async deleteToken(req, ctx) {
      const caller = callerOf(ctx);
      const { token, account } = await load(caller, req.id);
      auditTarget(ctx, req.id);
      requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
      const now = new Date();
      assertDeletable(token, now);
      if (!(await store.tokens.deleteInactive(caller.org, token._id.toHexString(), now, effects(ctx, [invalidate("token", token.hash)])))) {
        throw failedPrecondition("the token changed meanwhile; read it again", "token_changed");
      }
      return {};
    },
  };
}

function stateFilter(state: TokenState): State | undefined {
  switch (state) {
    case TokenState.UNSPECIFIED:
      return undefined;
    case TokenState.ACTIVE:
      return "active";
    case TokenState.EXPIRED:
      return "expired";
    case TokenState.REVOKED:
      return "revoked";
    default:
      throw invalidArgument("state", "is not a known token state");
  }
}
