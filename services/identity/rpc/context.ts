// Values that interceptors attach to each call for the handlers and for the audit trail.
import { createContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { redact } from "../domain/redact.ts";
import type { Caller } from "../policy/access.ts";
import type { AuditDoc, InvalidationKind, OutboxEntry, PrincipalDoc } from "../store/documents.ts";

export interface CallInfo {
  /** The server's own id for the call. */
  requestId: string;
  /** The client's x-request-id, when well-formed ("" otherwise). */
  clientRequestId: string;
  /** connect, grpc, grpc-web, or mcp for a proven delegation. */
  channel: string;
  /** The client's address (for a delegation, the one its delegate forwarded). */
  peer: string;
}

/** Filled in as the call proceeds; the audit interceptor writes it when the call ends. */
export interface AuditRecord {
  org: string;
  actor: PrincipalDoc | null;
  delegate: PrincipalDoc | null;
  target: string;
  reason: string;
  /** What the change carried that the target does not show, e.g. a revocation's reason. */
  detail: string;
  /** The effects the mutation commits with its write (outbox); once written, the interceptor writes no second event. */
  entry: OutboxEntry | undefined;
}

/** The remote address, set by the HTTP adapter from the socket. */
export const peerKey = createContextKey<string>("", { description: "peer address" });
export const callInfoKey = createContextKey<CallInfo>({ requestId: "", clientRequestId: "", channel: "", peer: "" }, { description: "call info" });
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });
export const auditRecordKey = createContextKey<AuditRecord | undefined>(undefined, { description: "audit record" });

export function callerOf(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  // The auth interceptor runs before every handler; reaching here without a caller is a bug.
  if (!caller) throw new Error("no authenticated caller in context");
  return caller;
}

/** Names the resource a mutation acts on, for its audit event (as given: bounded, not trusted). */
export function auditTarget(ctx: HandlerContext, target: string): void {
  const record = ctx.values.get(auditRecordKey);
  if (record) record.target = target.slice(0, 200);
}

/** Records what a mutation carried beyond its target, e.g. a revocation's reason. */
export function auditDetail(ctx: HandlerContext, detail: string): void {
  const record = ctx.values.get(auditRecordKey);
  if (record) record.detail = detail.slice(0, 300);
}

/** "CreateServiceAccount" → "service_account.create". */
export function actionOf(method: string): string {
  const [verb, ...noun] = method.split(/(?=[A-Z])/);
  return `${noun.join("_").toLowerCase()}.${verb!.toLowerCase()}`;
}

/** The audit event of a call as recorded so far; nothing secret-shaped reaches the trail. */
export function auditEvent(values: ContextValues, action: string, outcome: string): AuditDoc {
  const record = values.get(auditRecordKey)!;
  const info = values.get(callInfoKey);
  return {
    _id: new ObjectId(),
    time: new Date(),
    org: record.org,
    actor: record.actor,
    delegate: record.delegate,
    channel: info.channel,
    action,
    target: redact(record.target),
    outcome,
    reason: redact(record.reason),
    detail: redact(record.detail),
    requestId: info.requestId,
    clientRequestId: info.clientRequestId,
    peer: info.peer,
    // The version a change wrote is known once it is written: the outbox relay fills it in.
    targetVersion: 0,
  };
}

/**
 * The effects of the mutation this call is about to write: its audit event ("ok") and the cache
 * invalidations it causes, to be committed with it in one document write (store/outbox.ts).
 */
export function effects(ctx: HandlerContext, invalidations: OutboxEntry["invalidations"] = []): OutboxEntry {
  const entry = { id: new ObjectId(), audit: auditEvent(ctx.values, actionOf(ctx.method.name), "ok"), invalidations };
  const record = ctx.values.get(auditRecordKey);
  if (record) record.entry = entry;
  return entry;
}

/** Shorthand for one invalidation. */
export const invalidate = (kind: InvalidationKind, key: string) => ({ kind, key });
