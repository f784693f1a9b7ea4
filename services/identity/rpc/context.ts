// Values that interceptors attach to each call for the handlers and for the audit trail.
import { createContextKey, type ContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../policy/access.ts";
import type { Call, CallFacts, Effects } from "../use-cases/effects.ts";

/** The remote address, set by the HTTP adapter from the socket. */
export const peerKey = createContextKey<string>("", { description: "peer address" });
export const callInfoKey = createContextKey<CallFacts>({ requestId: "", clientRequestId: "", channel: "", peer: "" }, { description: "call info" });
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });
/** The call's effects (its audit record), made by the audit interceptor and filled in as the call proceeds. */
export const auditRecordKey = createContextKey<Effects | undefined>(undefined, { description: "audit record" });

export function callerOf(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  // The auth interceptor runs before every handler; reaching here without a caller is a bug.
  if (!caller) throw new Error("no authenticated caller in context");
  return caller;
}

/** The effects the call collects (every call has them, a public method's too). */
export function effectsOf(ctx: HandlerContext): Effects {
  const effects = ctx.values.get(auditRecordKey);
  // The audit interceptor runs before every handler; reaching here without a record is a bug.
  if (!effects) throw new Error("no audit record in context");
  return effects;
}

/** The caller and the effects of the call, as a use case takes them. */
export function callOf(ctx: HandlerContext): Call {
  return { caller: callerOf(ctx), effects: effectsOf(ctx) };
}

/**
 * A call's context values, as connect's createContextValues keeps them (one property per key), with
 * the methods on the prototype: connect's object literal makes three functions on every call.
 */
export class CallValues implements ContextValues {
  get<T>(key: ContextKey<T>): T {
    return key.id in this ? (this as unknown as Record<symbol, T>)[key.id]! : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Record<symbol, T>)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Record<symbol, unknown>)[key.id];
    return this;
  }
}
