// Lifecycle events become deliveries: one per subscribed webhook, under a key that makes the same
// event for the same webhook a duplicate (the outbox relay may run twice after a crash; every
// instance scans), so it is recorded, and sent, once.
import { ObjectId } from "mongodb";
import { apiAccountId, apiDeliveryId, apiTokenId } from "../../../client/ids.ts";
import type { WebhookEvent } from "../../../client/webhook-events.ts";
import type { AccountDoc, AuditDoc, TokenDoc } from "../store/documents.ts";
import type { DeliveryRepository } from "../store/delivery-repository.ts";
import type { WithOutbox } from "../store/outbox.ts";
import type { WebhookDoc, WebhookRepository } from "../store/webhook-repository.ts";

/** Events found by the lifecycle scan rather than by a change. */
export const scannedEvents: readonly WebhookEvent[] = ["token.expiring", "token.expired", "token.unused"];

/** The audit actions of the changes that are events. */
const eventOfAction: Readonly<Record<string, WebhookEvent>> = {
  "token.revoke": "token.revoked",
  "token.leak": "token.leaked",
  "token.rotate": "token.rotated",
  "service_account.disable": "account.disabled",
  "service_account.delete": "account.deleted",
};

/** What a token event says about its token; never its hash. */
export function tokenData(token: Pick<TokenDoc, "_id" | "accountId" | "label" | "expireTime">) {
  return { id: apiTokenId(token._id), serviceAccountId: apiAccountId(token.accountId), label: token.label, expireTime: token.expireTime?.toISOString() ?? null };
}

export class EventRecorder {
  constructor(
    private readonly webhooks: Pick<WebhookRepository, "subscribers">,
    private readonly deliveries: Pick<DeliveryRepository, "enqueue">,
  ) {}

  /** The webhook events of a committed change (Outbox.onAudit); `doc` is the document it changed. */
  async fromAudit(audit: AuditDoc, doc: WithOutbox): Promise<void> {
    const event = eventOfAction[audit.action];
    if (!event || audit.outcome !== "ok") return;
    const hooks = await this.webhooks.subscribers(audit.org, event);
    if (hooks.length === 0) return;
    const change = { actor: audit.actor && { accountId: apiAccountId(audit.actor.accountId), accountName: audit.actor.accountName }, detail: audit.detail ?? "", auditEventId: audit._id.toHexString() };
    let subject: string;
    let data: object;
    if (event.startsWith("token.")) {
      const token = doc as TokenDoc;
      subject = apiTokenId(token._id);
      data = { token: tokenData(token), ...(event === "token.rotated" && token.rotatedTo ? { replacedBy: apiTokenId(token.rotatedTo) } : {}), ...change };
    } else {
      const account = doc as AccountDoc;
      subject = apiAccountId(account._id);
      data = { serviceAccount: { id: subject, name: account.name }, ...change };
    }
    for (const hook of hooks) await this.record(hook, event, `${audit._id.toHexString()}:${event}`, subject, data, audit.time);
  }

  /** Records one event for one webhook; false when the webhook has it already. */
  record(hook: WebhookDoc, event: WebhookEvent, eventKey: string, subject: string, data: object, time: Date): Promise<boolean> {
    const id = new ObjectId();
    const now = new Date();
    const body = JSON.stringify({ id: apiDeliveryId(id), type: event, time: time.toISOString(), organization: hook.org, data });
    return this.deliveries.enqueue({
      _id: id,
      org: hook.org,
      webhookId: hook._id,
      eventKey,
      event,
      subject,
      body,
      status: "pending",
      attempts: 0,
      lastStatusCode: 0,
      lastError: "",
      createTime: now,
      lastAttemptTime: null,
      nextAttemptTime: now,
      leaseUntil: new Date(0),
    });
  }
}
