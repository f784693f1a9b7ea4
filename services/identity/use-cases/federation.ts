// Keyless CI: trust policies say which external OIDC tokens an organisation accepts; an exchange
// turns one into a short-lived Tessera token of the policy's service account, bounded by the
// policy. Managing a policy is like issuing tokens for its account indefinitely, so it needs
// org.write and the right to create that account's tokens (rule 3); reading needs accounts.read
// and shows only policies whose accounts the caller may see (rule 2).
import { ObjectId } from "mongodb";
import type { JWTPayload } from "jose";
import { apiTokenId } from "../../../client/ids.ts";
import { IdentityError, invalidArgument, notFound, throttled } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import * as valid from "../domain/validation.ts";
import { wildcardMatch } from "../domain/wildcard.ts";
import { OidcRejection, type OidcVerifier } from "../auth/oidc-verifier.ts";
import type { FailureLimiter } from "../auth/failure-limiter.ts";
import { requireOnAccount, requirePermission, type Caller } from "../policy/access.ts";
import type { ClaimConditionDoc, TrustPolicyDoc } from "../store/documents.ts";
import type { TrustPolicyRepository } from "../store/trust-policy-repository.ts";
import type { Deps } from "./deps.ts";
import { invalidate, outcome, type Call, type Effects, type Outcome } from "./effects.ts";
import { issue } from "./issue-token.ts";
import * as refs from "./references.ts";
import { narrowing, policyOf, revokeIfAccountGone, type Issued } from "./tokens.ts";

export interface FederationDeps extends Deps {
  trustPolicies: Pick<TrustPolicyRepository, "list" | "find" | "insert" | "delete">;
  oidc: Pick<OidcVerifier, "verify" | "issuerProblem">;
  /** Counts refused exchanges per client, like failed authentications. */
  failures: Pick<FailureLimiter, "fail">;
}

export interface TrustPolicyInput {
  name: string;
  description: string;
  issuer: string;
  audiences: readonly string[];
  conditions: readonly ClaimConditionDoc[];
  serviceAccountId: string;
  permissions: readonly string[];
  environments: readonly string[];
  tokenAudiences: readonly string[];
  maxTtl?: valid.WireTime;
}

export interface ExchangeInput {
  organization: string;
  policy: string;
  token: string;
  ttl?: valid.WireTime;
}

const defaultTtlMs = 15 * 60_000;
const maxTtlMs = 12 * 3_600_000;
const claimPattern = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const fields = { permissions: "policy.permissions", environments: "policy.environments", audiences: "policy.token_audiences" };

/** Claims every token of the issuer shares, or that change with each: equality on them pins nobody. */
const commonClaims = new Set(["iss", "aud", "exp", "iat", "nbf", "jti", "azp"]);

function conditions(input: readonly ClaimConditionDoc[]): ClaimConditionDoc[] {
  const field = "policy.conditions";
  if (input.length > 20) throw invalidArgument(field, "must have at most 20 conditions");
  const checked = input.map((c, i) => {
    const at = `${field}[${i}]`;
    if (!claimPattern.test(c.claim)) throw invalidArgument(`${at}.claim`, "must be a claim name of letters, digits and _ . : -");
    if ((c.equals === undefined) === (c.pattern === undefined)) throw invalidArgument(at, "set either equals or pattern");
    if (c.equals !== undefined) return { claim: c.claim, equals: valid.text(`${at}.equals`, c.equals, 512, true) };
    return { claim: c.claim, pattern: valid.text(`${at}.pattern`, c.pattern!, 512, true) };
  });
  // Without a condition that pins the workload, every repository or project the issuer serves (all
  // of GitHub) would be trusted. A pattern cannot pin it ("repo:*" is every repository), so one
  // condition must be an equality on a claim of the job's own; patterns narrow further (branches).
  if (!checked.some((c) => c.equals !== undefined && !commonClaims.has(c.claim))) {
    throw invalidArgument(
      field,
      'name a condition that pins the workload: a claim of the job\'s own that equals a value, e.g. "repository" equals "acme/api" (GitHub), "project_path" (GitLab) or "sub" (Kubernetes)',
    );
  }
  return checked;
}

export async function createTrustPolicy(deps: FederationDeps, call: Call, input: TrustPolicyInput | undefined): Promise<Outcome<TrustPolicyDoc>> {
  const { caller, effects } = call;
  if (!input) throw invalidArgument("policy", "is required");
  const name = valid.name("policy.name", input.name);
  effects.on(name);
  requirePermission(caller, "org.write");
  const account = await refs.existingAccount(deps, caller.org, "policy.service_account_id", input.serviceAccountId, true);
  const target = await refs.target(deps, account);
  requireOnAccount(caller, "tokens.write", target, "change");
  const issuer = valid.text("policy.issuer", input.issuer, 512, true);
  const problem = deps.oidc.issuerProblem(issuer);
  if (problem) throw invalidArgument("policy.issuer", problem);
  const audiences = valid.list("policy.audiences", input.audiences, (f, v) => valid.text(f, v, 256, true));
  if (audiences.length === 0) throw invalidArgument("policy.audiences", "name the audience your CI requests, so tokens meant for others are refused");
  const narrowed = await narrowing(deps, caller.org, target.grants, { ...input, audiences: input.tokenAudiences }, fields);
  const ttl = valid.duration("policy.max_ttl", input.maxTtl, false) ?? defaultTtlMs;
  if (ttl > maxTtlMs) throw invalidArgument("policy.max_ttl", "must be at most 12 hours: exchanged tokens are meant to be short-lived");
  const doc: TrustPolicyDoc = {
    _id: new ObjectId(),
    org: caller.org,
    name,
    description: valid.text("policy.description", input.description, 1024),
    issuer,
    audiences,
    conditions: conditions(input.conditions),
    accountId: account._id,
    permissions: narrowed.permissions,
    environments: narrowed.environments,
    tokenAudiences: narrowed.audiences,
    maxTtlMs: ttl,
    createTime: new Date(),
    createdBy: { accountId: caller.accountId, accountName: caller.accountName },
  };
  await deps.trustPolicies.insert(doc, effects.commit());
  return outcome(call, doc);
}

/** The policy, if the caller may see its account (otherwise it does not exist for them). */
async function visiblePolicy(deps: FederationDeps, caller: Caller, name: string): Promise<TrustPolicyDoc> {
  const policy = await deps.trustPolicies.find(caller.org, valid.name("name", name));
  const account = policy && (await deps.store.accounts.findForAuthentication(policy.accountId));
  if (!policy || !account || !(await refs.visibleAccounts(deps, caller, [account])).length) throw notFound("trust policy", name);
  return policy;
}

export async function getTrustPolicy(deps: FederationDeps, call: Call, name: string): Promise<Outcome<TrustPolicyDoc>> {
  requirePermission(call.caller, "accounts.read");
  return outcome(call, await visiblePolicy(deps, call.caller, name));
}

export async function listTrustPolicies(
  deps: FederationDeps,
  call: Call,
  input: { pageSize: number; pageToken: string },
): Promise<Outcome<{ policies: TrustPolicyDoc[]; nextPageToken: string }>> {
  const { caller } = call;
  requirePermission(caller, "accounts.read");
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const scope = { list: "trust_policies", org: call.caller.org };
  const page = await deps.trustPolicies.list(caller.org, pageSize, decodePageToken(input.pageToken, scope));
  const accounts = await deps.store.accounts.findMany(caller.org, page.items.map((p) => p.accountId));
  const visible = new Set((await refs.visibleAccounts(deps, caller, accounts)).map((a) => a._id.toHexString()));
  return outcome(call, {
    policies: page.items.filter((p) => visible.has(p.accountId.toHexString())),
    nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "",
  });
}

export async function deleteTrustPolicy(deps: FederationDeps, call: Call, name: string): Promise<Outcome<void>> {
  const { caller, effects } = call;
  const policyName = valid.name("name", name);
  effects.on(policyName);
  requirePermission(caller, "org.write");
  const policy = await deps.trustPolicies.find(caller.org, policyName);
  const account = policy && (await deps.store.accounts.findForAuthentication(policy.accountId));
  if (!policy) throw notFound("trust policy", name);
  // A deleted account's policies can only be removed; a live one's need rights on it (rule 3).
  if (account && account.status !== "deleted") requireOnAccount(caller, "tokens.write", await refs.target(deps, account), "change");
  if (!(await deps.trustPolicies.delete(caller.org, policyName, effects.commit()))) throw notFound("trust policy", name);
  return outcome(call, undefined);
}

/**
 * Exchanges an external OIDC token for a Tessera token under a trust policy. No bearer token: the
 * external token is the credential. Refusals count against the client like failed authentications.
 */
export async function exchangeToken(deps: FederationDeps, effects: Effects, input: ExchangeInput): Promise<{ result: Issued; effects: Effects }> {
  const org = valid.name("organization", input.organization);
  const policyName = valid.name("policy", input.policy);
  if (input.token.length === 0 || input.token.length > 16_384) throw invalidArgument("token", "must be the OIDC token (a JWT), at most 16 KiB");
  const ttl = valid.duration("ttl", input.ttl, false);
  effects.on(policyName);
  const policy = await refuseCounted(deps, effects, async () => {
    const found = await deps.trustPolicies.find(org, policyName);
    // The same answer for an unknown organisation and an unknown policy.
    if (!found) throw new OidcRejection("no_trust_policy", `no trust policy "${policyName}" in organisation "${org}"`);
    // Refusals under a real policy are filed with its organisation, so its admins see them.
    effects.org = org;
    return found;
  });
  const claims = await refuseCounted(deps, effects, async () => {
    const verified = await deps.oidc.verify(input.token, policy);
    const failed = policy.conditions.find((c) => {
      const value = verified[c.claim];
      return typeof value !== "string" || (c.equals !== undefined ? value !== c.equals : !wildcardMatch(c.pattern!, value));
    });
    if (failed) throw new OidcRejection("claims_mismatch", `the token's "${failed.claim}" claim does not satisfy trust policy "${policyName}"`);
    return verified;
  });
  const account = await deps.store.accounts.find(org, policy.accountId.toHexString());
  if (!account || account.status !== "active") {
    throw new IdentityError("failed_precondition", "the trust policy's service account is disabled or deleted", "account_unavailable");
  }
  const orgPolicy = await policyOf(deps, org);
  const lifetime = Math.min(ttl ?? policy.maxTtlMs, policy.maxTtlMs, orgPolicy.maxTtlMs ?? Infinity);
  const now = new Date();
  const { doc, secret } = issue({
    org,
    accountId: account._id,
    label: `oidc ${policy.name}`,
    permissions: policy.permissions,
    environments: policy.environments,
    audiences: policy.tokenAudiences,
    createdBy: { accountId: account._id.toHexString(), accountName: account.name },
    policy: orgPolicy,
    ttlMs: lifetime,
    now,
    tokenPrefix: deps.tokenPrefix,
  });
  effects.actor = { accountId: account._id.toHexString(), accountName: account.name, tokenId: doc._id.toHexString() };
  effects.on(apiTokenId(doc._id));
  effects.because(`trust policy ${policy.name}: ${describeClaims(claims, policy.conditions)}`);
  await deps.store.tokens.insert(doc, effects.commit([invalidate("token", doc.hash)]));
  await revokeIfAccountGone(deps, effects, doc, now);
  return { result: { token: doc, secret, now }, effects };
}

/** The external subject and the claims the conditions matched, for the audit trail. */
function describeClaims(claims: JWTPayload, matched: readonly ClaimConditionDoc[]): string {
  const shown = [`iss=${claims.iss}`, `sub=${claims.sub}`, ...matched.filter((c) => c.claim !== "sub").map((c) => `${c.claim}=${String(claims[c.claim])}`)];
  return shown.join(" ");
}

/** Runs `step`; a refusal counts against the client, and past the limit it is answered RESOURCE_EXHAUSTED. */
async function refuseCounted<T>(deps: FederationDeps, effects: Effects, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    // An issuer that cannot be reached counts too: anonymous callers must not make the service fetch at will.
    const counted = error instanceof OidcRejection || (error instanceof IdentityError && error.reason === "issuer_unavailable");
    if (!counted) throw error;
    const retryAfterMs = deps.failures.fail([`client:${effects.facts().peer}`], Date.now());
    if (retryAfterMs > 0) {
      throw throttled("too many refused exchanges from this client", retryAfterMs, "auth_rate_limited", "token");
    }
    throw error;
  }
}

