// Lifecycle webhooks on one instance: changes' events recorded by the outbox relay, the lifecycle
// scan and the delivery worker on timers, all stopped by stop().
import type { Store } from "../store/store.ts";
import type { WebhookDeps } from "../use-cases/webhooks.ts";
import { EventRecorder } from "./events.ts";
import { LifecycleScanner } from "./scanner.ts";
import { WebhookKeys } from "./signing.ts";
import { DeliveryWorker } from "./worker.ts";

export interface WebhookOptions {
  /** The master key file every webhook's secret is derived from (created on first use). */
  keyFile: string;
  /** Accept plain-http URLs on a loopback address and deliver to loopback (local receivers, tests). */
  allowLoopbackHttp: boolean;
  /** Deliver to private and link-local addresses too. */
  allowPrivateAddresses: boolean;
  /** How often the lifecycle scan runs. */
  scanMs: number;
  /** How often due deliveries are looked for. */
  pollMs: number;
  /** The first retry's delay (doubled for each further one, at most an hour). */
  retryBaseMs: number;
  /** Attempts before a delivery fails. */
  maxAttempts: number;
}

export interface RunningWebhooks {
  deps: WebhookDeps;
  stop(): Promise<void>;
}

export function startWebhooks(store: Store, options: WebhookOptions, onError: (error: unknown, what: string) => void): RunningWebhooks {
  const keys = new WebhookKeys(options.keyFile);
  const endpoint = { allowLoopbackHttp: options.allowLoopbackHttp, allowPrivateAddresses: options.allowPrivateAddresses };
  const recorder = new EventRecorder(store.webhooks, store.deliveries);
  // After the audit event is stored and before the entry is removed: a crash in between re-runs it.
  store.outbox.onAudit = (audit, doc) => recorder.fromAudit(audit, doc);
  const scanner = new LifecycleScanner(store.webhooks, store.tokenScan, store.deliveries, recorder);
  const worker = new DeliveryWorker(
    store.deliveries,
    store.webhooks,
    keys,
    { pollMs: options.pollMs, retryBaseMs: options.retryBaseMs, maxAttempts: options.maxAttempts, concurrency: 8, timeoutMs: 10_000, endpoint },
    (error) => onError(error, "delivering a webhook failed"),
  );
  let scanning: Promise<unknown> | undefined;
  const scan = setInterval(() => {
    scanning ??= scanner
      .scan()
      .catch((error: unknown) => onError(error, "the webhook lifecycle scan failed"))
      .finally(() => (scanning = undefined));
  }, options.scanMs);
  scan.unref();
  worker.start();
  return {
    deps: { webhooks: store.webhooks, deliveries: store.deliveries, keys, endpoint },
    stop: async () => {
      clearInterval(scan);
      await Promise.all([scanning, worker.stop()]);
    },
  };
}
