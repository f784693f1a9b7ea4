// Authentication (and delegation by proof), innermost: the handler sees a verified caller.
import { createHash } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { clientAddressHeader, delegatedAudience, subjectTokenHeader } from "../../../../client/headers.ts";
import { AuthenticationError, requireAudience, toCaller, type Authenticator, type VerifiedToken } from "../../auth/authenticator.ts";
import type { FailureLimiter } from "../../auth/failure-limiter.ts";
import { invalidArgument, permissionDenied, throttled } from "../../domain/errors.ts";
import { requirePermission } from "../../policy/access.ts";
import type { PrincipalDoc } from "../../store/documents.ts";
import type { Effects } from "../../use-cases/effects.ts";
import { auditRecordKey, callInfoKey, callerKey, peerKey } from "../context.ts";
import { isPublicMethod } from "../public-methods.ts";
import { consoleCallKey } from "../console/sessions.ts";

const clientAddressPattern = /^[0-9A-Fa-f.:]{2,45}$/;

/**
 * Authenticates every call by its bearer token and puts the caller in the context. A caller
 * holding `identity.delegate` may present another token in `x-tessera-subject-token` (token
 * exchange: the subject's secret is the proof): the call is then authorised as that token, never
 * wider, on channel "mcp", and audited with both. Failed authentications are counted per client
 * address and per presented token; past the limit they are answered RESOURCE_EXHAUSTED, while a
 * valid credential is never refused for others' failures.
 *
 * A console call (the console route attaches it; see rpc/console/) is authenticated by its
 * session's token instead, re-verified on every call, so a revoked or expired token ends the
 * session at once; it carries no other credential, and its channel is "console". The public
 * methods are no console calls (their callers are not the session's). A successful sign-in is audited.
 */
export function authInterceptor(authenticator: Authenticator, apiAudience: string, limiter: FailureLimiter): Interceptor {
  /**
   * Verifies `secret`; a failure counts against the client and the token, and is throttled past the
   * limit. Not an async function: every call authenticates, and a success needs no frame of its own.
   */
  function authenticate(record: Effects | undefined, secret: string, now: Date, client: string, field: string, org?: string): Promise<VerifiedToken> {
    return authenticator.verify(secret, now, org).catch((error: unknown) => {
      if (!(error instanceof AuthenticationError)) throw error;
      remember(record, error.verified);
      const retryAfterMs = limiter.fail([`client:${client}`, `token:${fingerprint(secret)}`], now.getTime());
      if (retryAfterMs > 0) {
        throw throttled("too many failed authentications from this client or with this token", retryAfterMs, "auth_rate_limited", field);
      }
      throw field ? about(error, field) : error;
    });
  }

  return (next) => async (req) => {
    const record = req.contextValues.get(auditRecordKey);
    const now = new Date();
    const consoleCall = req.contextValues.get(consoleCallKey);
    if (consoleCall) {
      // One credential per call: the session's, or the token being signed in with, nothing beside it.
      if (consoleCall.kind === "session" && req.header.has("authorization")) {
        throw invalidArgument("authorization", "a console call is authenticated by its session; send no Authorization header");
      }
      if (req.header.has(subjectTokenHeader)) throw invalidArgument(subjectTokenHeader, "the console acts only as its own token");
      req.contextValues.set(callInfoKey, { ...req.contextValues.get(callInfoKey), channel: "console" });
      if (isPublicMethod(req.method)) throw permissionDenied(`${req.method.name} is not a console call: call it at the API's root`, "not_a_console_call");
    }
    if (isPublicMethod(req.method)) return next(req);
    const secret = consoleCall?.kind === "session" ? consoleCall.secret : bearerOf(req.header.get("authorization"));
    if (!secret) throw new AuthenticationError("missing", 'send "Authorization: Bearer <token>"');
    if (req.header.has("x-tessera-act-as")) {
      throw invalidArgument("x-tessera-act-as", `a token id is no proof; a delegate presents the caller's token in ${subjectTokenHeader}`);
    }
    let own: VerifiedToken;
    try {
      own = await authenticate(record, secret, now, req.contextValues.get(peerKey), "");
      remember(record, own);
      requireAudience(own, apiAudience);
    } catch (error) {
      if (consoleCall?.kind === "session" && error instanceof AuthenticationError) consoleCall.end(error.message);
      throw error;
    }
    let caller = toCaller(own);

    const subject = req.header.get(subjectTokenHeader);
    if (subject !== null) {
      requirePermission(caller, "identity.delegate");
      const delegate = { accountId: caller.accountId, accountName: caller.accountName, tokenId: caller.tokenId };
      if (record) record.delegate = delegate;
      const info = req.contextValues.get(callInfoKey);
      const forwarded = req.header.get(clientAddressHeader);
      const client = forwarded && clientAddressPattern.test(forwarded) ? forwarded : info.peer;
      req.contextValues.set(callInfoKey, { ...info, channel: "mcp", peer: client });
      // A delegate acts within its own organisation: other organisations' tokens are unknown to it.
      const acting = await authenticate(record, subject, now, client, subjectTokenHeader, caller.org);
      remember(record, acting);
      try {
        requireAudience(acting, delegatedAudience);
      } catch (error) {
        throw error instanceof AuthenticationError ? about(error, subjectTokenHeader) : error;
      }
      caller = toCaller(acting, delegate);
    }
    req.contextValues.set(callerKey, caller);
    if (consoleCall?.kind !== "sign-in") return next(req);
    const res = await next(req);
    // Signed in: the answer sets the session cookie; the browser never sees the token again.
    const signedIn = { org: own.account.org, accountId: own.account._id.toHexString(), client: req.contextValues.get(peerKey) };
    // The audit interceptor, outside this one, made the record (server.ts).
    res.header.set("set-cookie", await consoleCall.start(secret, signedIn, now.getTime(), record!.event("ok", "console.sign_in")));
    return res;
  };
}

/** Who a token acts as, in the audit trail: one per cached entry, as its caller is (see toCaller). */
const actors = new WeakMap<object, PrincipalDoc>();

/** Files the call under the token's organisation and account, so its admins see it (failures too). */
function remember(record: Effects | undefined, verified: Pick<VerifiedToken, "account" | "token"> | undefined): void {
  if (!record || !verified) return;
  let actor = actors.get(verified);
  if (!actor) {
    actor = Object.freeze({ accountId: verified.account._id.toHexString(), accountName: verified.account.name, tokenId: verified.token._id.toHexString() });
    actors.set(verified, actor);
  }
  record.org = verified.account.org;
  record.actor = actor;
}

const bearerPattern = /^Bearer \S+$/;

/** The token of an `Authorization: Bearer <token>` header. */
function bearerOf(authorization: string | null): string | undefined {
  return authorization !== null && bearerPattern.test(authorization) ? authorization.slice(7) : undefined;
}

/** The failure, naming the header whose token failed (so a delegate knows it was its caller's). */
function about(error: AuthenticationError, field: string): AuthenticationError {
  return new AuthenticationError(error.reason, `${field}: ${error.message}`, undefined, undefined, field);
}

/** A short, non-reversible key for a presented secret (the limiter never holds secrets). */
function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url").slice(0, 22);
}
