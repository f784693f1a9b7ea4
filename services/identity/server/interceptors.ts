// Interceptors, from factories, in the order they wrap each call (outermost first):
// metrics → request context → error mapping → audit → authentication → handler.
import { randomUUID } from "node:crypto";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import type { Logger } from "pino";
import { AuthenticationError, requireAudience, toCaller, type Authenticator, type VerifiedToken } from "../authenticator.ts";
import { requirePermission, type Caller } from "../domain/access.ts";
import { IdentityError } from "../domain/errors.ts";
import type { FailureLimiter } from "../domain/failure-limiter.ts";
import { resourceId } from "../domain/validation.ts";
import { tokenIdPrefix } from "../handlers/convert.ts";
import type { Store } from "../store/store.ts";
import { auditRecordKey, callInfoKey, callerKey, peerKey, type AuditRecord } from "./context.ts";
import { codeName, reasonOf, toConnectError } from "./error-mapping.ts";

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;
/** Clients may label their Connect calls as coming from the CLI or an MCP server (a label only). */
const claimedChannels = new Set(["cli", "mcp"]);

/** Request id (echoed back), channel and peer for logs and the audit trail. */
export function requestContextInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const given = req.header.get("x-request-id");
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    const contentType = req.header.get("content-type") ?? "";
    const channel = contentType.startsWith("application/grpc-web")
      ? "grpc-web"
      : contentType.startsWith("application/grpc")
        ? "grpc"
        : claimedChannels.has(req.header.get("x-tessera-channel") ?? "")
          ? req.header.get("x-tessera-channel")!
          : "connect";
    req.contextValues.set(callInfoKey, { requestId, channel, peer: req.contextValues.get(peerKey) });
    const started = performance.now();
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      log.debug({ requestId, method: req.method.name, ms: performance.now() - started }, "rpc ok");
      return res;
    } catch (error) {
      const err = ConnectError.from(error);
      err.metadata.set("x-request-id", requestId);
      log.info({ requestId, method: req.method.name, code: err.code, ms: performance.now() - started }, "rpc failed");
      throw err;
    }
  };
}

/**
 * Writes an audit event for every mutation (whatever its outcome) and every failed
 * authentication. The event is written before the call returns: a mutation that cannot be
 * audited is reported as failed.
 */
export function auditInterceptor(store: Store, actionOf: (method: string) => string): Interceptor {
  return (next) => async (req) => {
    const mutation = req.method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
    const record: AuditRecord = { org: "", actor: null, delegate: null, target: "", targetVersion: 0, reason: "" };
    req.contextValues.set(auditRecordKey, record);
    const write = (outcome: string, action: string) => {
      const info = req.contextValues.get(callInfoKey);
      return store.audit.append({
        _id: new ObjectId(),
        time: new Date(),
        org: record.org,
        actor: record.actor,
        delegate: record.delegate,
        channel: info.channel,
        action,
        target: record.target,
        outcome,
        reason: record.reason,
        requestId: info.requestId,
        peer: info.peer,
        targetVersion: record.targetVersion,
      });
    };
    const action = actionOf(req.method.name);
    try {
      const res = await next(req);
      if (mutation) await write("ok", action);
      return res;
    } catch (error) {
      const err = toConnectError(error);
      const authFailed = req.contextValues.get(callerKey) === undefined;
      if (mutation || authFailed) {
        record.reason ||= reasonOf(err);
        await write(codeName(err.code), authFailed ? "auth.failed" : action);
      }
      throw error;
    }
  };
}

/** Header a delegate (the MCP server) uses to name the verified token it acts for. */
export const actAsHeader = "x-tessera-act-as";
/** The audience a delegated token must allow, when it names audiences. */
export const delegatedAudience = "mcp";

/**
 * Authenticates every call by its bearer token and puts the caller in the context. A caller
 * holding `identity.delegate` may name, in `x-tessera-act-as`, a token it has verified: the call
 * is then authorised as that token's holder (never wider), on channel "mcp", and audited with both.
 * Peers that fail to authenticate too often are refused for a while (RESOURCE_EXHAUSTED).
 */
export function authInterceptor(authenticator: Authenticator, apiAudience: string, limiter: FailureLimiter): Interceptor {
  return (next) => async (req) => {
    const record = req.contextValues.get(auditRecordKey);
    // Failures with a known token are filed under its organisation, so its admins see them.
    const remember = (verified: Pick<VerifiedToken, "account"> | undefined) => {
      if (!record || !verified) return;
      record.org = verified.account.org;
      record.actor = { accountId: verified.account._id.toHexString(), accountName: verified.account.name };
    };
    const peer = req.contextValues.get(peerKey);
    const now = new Date();
    const retryAfterMs = limiter.retryAfter(peer, now.getTime());
    if (retryAfterMs > 0) {
      throw new IdentityError(
        "resource_exhausted",
        `too many failed authentications from this address; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        "auth_rate_limited",
      );
    }

    let caller: Caller;
    try {
      const match = /^Bearer (\S+)$/.exec(req.header.get("authorization") ?? "");
      if (!match) throw new AuthenticationError("missing", 'send "Authorization: Bearer <token>"');
      const verified = await authenticator.verify(match[1]!, now);
      remember(verified);
      requireAudience(verified, apiAudience);
      caller = toCaller(verified);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        // Only the caller's own credential counts: tokens it presents to Verify are not its failures.
        limiter.fail(peer, now.getTime());
        remember(error.verified);
      }
      throw error;
    }

    const actAs = req.header.get(actAsHeader);
    if (actAs !== null) {
      requirePermission(caller, "identity.delegate");
      const delegate = { accountId: caller.accountId, accountName: caller.accountName };
      if (record) record.delegate = delegate;
      const acting = await authenticator
        .verifyDelegated(caller.org, resourceId(actAsHeader, actAs, tokenIdPrefix), now)
        .catch((error: unknown) => {
          if (error instanceof AuthenticationError) remember(error.verified);
          throw error;
        });
      remember(acting);
      requireAudience(acting, delegatedAudience);
      caller = toCaller(acting, delegate);
      req.contextValues.set(callInfoKey, { ...req.contextValues.get(callInfoKey), channel: "mcp" });
    }
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
}


