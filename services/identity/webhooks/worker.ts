// Sends due deliveries. Each instance claims one at a time with a lease (so no two instances send
// the same attempt), signs it with the webhook's derived secret and a fresh timestamp, and records
// the outcome: 2xx delivered; otherwise retried with exponential backoff and jitter, and failed
// after the last attempt. A deleted webhook's deliveries are never sent.
import { apiDeliveryId, apiWebhookId } from "../../../client/ids.ts";
import type { DeliveryDoc, DeliveryRepository } from "../store/delivery-repository.ts";
import type { WebhookRepository } from "../store/webhook-repository.ts";
import type { EndpointPolicy } from "../outbound/guard.ts";
import { post } from "./post.ts";
import { signatureHeader, type WebhookKeys } from "./signing.ts";

export interface DeliveryOptions {
  /** How often due deliveries are looked for. */
  pollMs: number;
  /** The first retry's delay; each further one doubles it, with jitter, up to an hour. */
  retryBaseMs: number;
  /** Attempts before a delivery is failed. */
  maxAttempts: number;
  /** Deliveries sent at once by this instance. */
  concurrency: number;
  /** Longest wait for an endpoint's answer. */
  timeoutMs: number;
  endpoint: EndpointPolicy;
}

const maxBackoffMs = 3_600_000;

/** The delay before the attempt after `attempts` failed ones: base · 2^(attempts-1), jittered down by up to half, at most an hour. */
export function backoffMs(attempts: number, baseMs: number, random = Math.random()): number {
  return Math.round(Math.min(maxBackoffMs, baseMs * 2 ** (attempts - 1)) * (0.5 + random / 2));
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private readonly sending = new Set<Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly deliveries: Pick<DeliveryRepository, "claim" | "finish">,
    private readonly webhooks: Pick<WebhookRepository, "find">,
    private readonly keys: Pick<WebhookKeys, "secretOf">,
    private readonly options: DeliveryOptions,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.drain(), this.options.pollMs);
    this.timer.unref();
  }

  /** Stops polling and cuts the attempts in flight (their leases lapse, so they are retried). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped.abort();
    await Promise.all(this.sending);
  }

  /** Claims due deliveries while this instance has room, and sends them. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.sending.size < this.options.concurrency && !this.stopped.signal.aborted) {
        // The lease outlasts the attempt's timeout, so it never lapses while the attempt runs.
        const claimed = await this.deliveries.claim(new Date(), this.options.timeoutMs * 3);
        if (!claimed) break;
        const attempt: Promise<void> = this.send(claimed)
          .catch(this.onError)
          .finally(() => this.sending.delete(attempt));
        this.sending.add(attempt);
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.draining = false;
    }
  }

  private async send(delivery: DeliveryDoc): Promise<void> {
    const webhook = await this.webhooks.find(delivery.org, delivery.webhookId.toHexString());
    if (!webhook) {
      const now = new Date();
      return this.deliveries.finish(delivery, { status: "failed", statusCode: 0, error: "the webhook was deleted", time: now, nextAttemptTime: now });
    }
    const headers = {
      "tessera-event": delivery.event,
      "tessera-delivery": apiDeliveryId(delivery._id),
      "tessera-signature": signatureHeader(this.keys.secretOf(apiWebhookId(webhook._id)), delivery.body, Date.now()),
    };
    const result = await post(webhook.url, headers, delivery.body, this.options.endpoint, this.stopped.signal, this.options.timeoutMs);
    if (this.stopped.signal.aborted) return;
    const now = new Date();
    const delivered = result.error === "";
    const last = !delivered && delivery.attempts >= this.options.maxAttempts;
    await this.deliveries.finish(delivery, {
      status: delivered ? "delivered" : last ? "failed" : "pending",
      statusCode: result.status,
      error: result.error,
      time: now,
      nextAttemptTime: delivered || last ? now : new Date(now.getTime() + backoffMs(delivery.attempts, this.options.retryBaseMs)),
    });
  }
}
