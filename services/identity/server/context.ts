// Values that interceptors attach to each call for the handlers and for the audit trail.
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../policy/access.ts";
import type { PrincipalDoc } from "../store/documents.ts";

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
  /** The target's version after the change, when it has one. */
  targetVersion: number;
  reason: string;
  /** What the change carried that the target does not show, e.g. a revocation's reason. */
  detail: string;
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
export function auditTarget(ctx: HandlerContext, target: string, version = 0): void {
  const record = ctx.values.get(auditRecordKey);
  if (!record) return;
  record.target = target.slice(0, 200);
  record.targetVersion = version;
}

/** Records what a mutation carried beyond its target, e.g. a revocation's reason. */
export function auditDetail(ctx: HandlerContext, detail: string): void {
  const record = ctx.values.get(auditRecordKey);
  if (record) record.detail = detail.slice(0, 300);
}
