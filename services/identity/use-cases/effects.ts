// What a call changes besides its own write: the audit event and the cache invalidations. A use case
// asks for an entry just before each write and passes it to the store, which commits it with the
// write in one document (store/outbox.ts). The rpc layer makes one Effects per call, lets the
// authentication fill in who acts, and records the event of a failure or a no-op itself.
import { ObjectId } from "mongodb";
import { redact } from "../domain/redact.ts";
import type { Caller } from "../policy/access.ts";
import type { AuditDoc, InvalidationKind, OutboxEntry, PrincipalDoc } from "../store/documents.ts";

/** Facts of the call that no use case decides: read when an event is made, since a delegation changes them. */
export interface CallFacts {
  /** The server's own id for the call. */
  requestId: string;
  /** The client's x-request-id, when well-formed ("" otherwise). */
  clientRequestId: string;
  /** connect, grpc, grpc-web, mcp for a proven delegation, or cli for the operator's commands. */
  channel: string;
  /** The client's address (for a delegation, the one its delegate forwarded). */
  peer: string;
}

export type Invalidation = OutboxEntry["invalidations"][number];

/** Shorthand for one invalidation. */
export const invalidate = (kind: InvalidationKind, key: string): Invalidation => ({ kind, key });

export class Effects {
  org = "";
  actor: PrincipalDoc | null = null;
  delegate: PrincipalDoc | null = null;
  target = "";
  reason = "";
  /** What the change carried that the target does not show, e.g. a revocation's reason. */
  detail = "";
  /** The entries handed to the store, in order; `written` once a write carried them. */
  readonly entries: OutboxEntry[] = [];

  /**
   * @param action the audit action, e.g. "token.create"
   * @param facts the call's facts, read each time an event is made
   */
  constructor(
    readonly action: string,
    readonly facts: () => CallFacts,
  ) {}

  /** Names the resource the call acts on (as given: bounded, not trusted). */
  on(target: string): void {
    this.target = target.slice(0, 200);
  }

  /** Records what the change carried beyond its target, e.g. a revocation's reason. */
  because(detail: string): void {
    this.detail = detail.slice(0, 300);
  }

  /** Whether a write committed this call's event (otherwise the rpc layer records one). */
  get written(): boolean {
    return this.entries.some((e) => e.written);
  }

  /** The audit event of the call as recorded so far; nothing secret-shaped reaches the trail. */
  event(outcome: string, action = this.action): AuditDoc {
    const facts = this.facts();
    return {
      _id: new ObjectId(),
      time: new Date(),
      org: this.org,
      actor: this.actor,
      delegate: this.delegate,
      channel: facts.channel,
      action,
      target: redact(this.target),
      outcome,
      reason: redact(this.reason),
      detail: redact(this.detail),
      requestId: facts.requestId,
      clientRequestId: facts.clientRequestId,
      peer: facts.peer,
      // The version a change wrote is known once it is written: the outbox relay fills it in.
      targetVersion: 0,
    };
  }

  /**
   * The effects of the write about to happen: its audit event ("ok") and the invalidations it
   * causes. `also` describes a second change the call makes on its own account (e.g. a revocation
   * that follows a creation).
   */
  commit(invalidations: Invalidation[] = [], also?: { action: string; target: string; detail: string }): OutboxEntry {
    const audit = this.event("ok", also?.action);
    if (also) Object.assign(audit, { target: redact(also.target), detail: redact(also.detail) });
    const entry: OutboxEntry = { id: new ObjectId(), audit, invalidations };
    this.entries.push(entry);
    return entry;
  }
}

/** Who calls, and the effects their call collects. */
export interface Call {
  caller: Caller;
  effects: Effects;
}

/** A use case's answer: its result, and the effects it committed with its writes. */
export interface Outcome<R> {
  result: R;
  effects: Effects;
}

export const outcome = <R>(call: Call, result: R): Outcome<R> => ({ result, effects: call.effects });

/** "CreateServiceAccount" → "service_account.create". */
export function actionOf(method: string): string {
  const [verb, ...noun] = method.split(/(?=[A-Z])/);
  return `${noun.join("_").toLowerCase()}.${verb!.toLowerCase()}`;
}
