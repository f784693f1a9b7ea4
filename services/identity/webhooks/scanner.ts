// Time-based events: every instance looks, now and then, for the tokens of organisations that
// subscribed to them: expiring in 7 days or 1 day, expired, not used for a webhook's number of
// days. Each event's key names its token and stage, so repeated scans and several instances
// record it once (the deliveries' unique index). Work is bounded: a page of tokens per window and
// organisation per scan, continued after the last token seen at the next scan.
import type { ObjectId } from "mongodb";
import { apiTokenId } from "../../../client/ids.ts";
import type { DeliveryRepository } from "../store/delivery-repository.ts";
import type { ScannedToken, ScanWindow, TokenScan } from "../store/token-scan.ts";
import type { WebhookDoc, WebhookRepository } from "../store/webhook-repository.ts";
import type { WebhookEvent } from "../../../client/webhook-events.ts";
import { scannedEvents, tokenData, type EventRecorder } from "./events.ts";

const day = 86_400_000;
/** Tokens that expired longer ago than this (e.g. while no instance ran) are not announced. */
const expiredLookbackMs = 7 * day;

interface Scan {
  /** Names the scan's cursor. */
  name: string;
  event: WebhookEvent;
  window: ScanWindow;
  hooks: WebhookDoc[];
  /** The event's key and payload for a token; undefined when `hook` should not hear of it. */
  describe(token: ScannedToken, hook: WebhookDoc): { key: string; data: object } | undefined;
}

export class LifecycleScanner {
  /** Per organisation and scan, the last token of a full page: the next scan continues after it. */
  private readonly cursors = new Map<string, ObjectId>();

  /** @param pageSize tokens looked at per organisation, window and scan */
  constructor(
    private readonly webhooks: Pick<WebhookRepository, "subscribedToAny">,
    private readonly tokens: Pick<TokenScan, "page">,
    private readonly deliveries: Pick<DeliveryRepository, "existingKeys">,
    private readonly recorder: Pick<EventRecorder, "record">,
    private readonly pageSize = 500,
  ) {}

  /** Records the events due at `now`; returns how many. */
  async scan(now = new Date()): Promise<number> {
    const byOrg = new Map<string, WebhookDoc[]>();
    for (const hook of await this.webhooks.subscribedToAny(scannedEvents)) byOrg.set(hook.org, [...(byOrg.get(hook.org) ?? []), hook]);
    let recorded = 0;
    for (const [org, hooks] of byOrg) {
      for (const scan of scansOf(hooks, now)) recorded += await this.run(org, scan, now);
    }
    return recorded;
  }

  private async run(org: string, scan: Scan, now: Date): Promise<number> {
    const cursor = `${org}:${scan.name}`;
    const page = await this.tokens.page(org, scan.window, now, this.cursors.get(cursor), this.pageSize);
    if (page.length < this.pageSize) this.cursors.delete(cursor);
    else this.cursors.set(cursor, page.at(-1)!._id);
    let recorded = 0;
    for (const hook of scan.hooks) {
      const events = page.flatMap((token) => {
        const described = scan.describe(token, hook);
        return described ? [{ token, ...described }] : [];
      });
      const known = await this.deliveries.existingKeys(hook._id, events.map((e) => e.key));
      for (const e of events) {
        if (!known.has(e.key) && (await this.recorder.record(hook, scan.event, e.key, apiTokenId(e.token._id), e.data, now))) recorded++;
      }
    }
    return recorded;
  }
}

const lifetime = (token: ScannedToken) => token.expireTime!.getTime() - token.createTime.getTime();

function scansOf(hooks: readonly WebhookDoc[], now: Date): Scan[] {
  const subscribed = (event: WebhookEvent) => hooks.filter((h) => h.events.includes(event));
  const scans: Scan[] = [];
  const expiring = subscribed("token.expiring");
  if (expiring.length > 0) {
    scans.push({
      name: "expiring",
      event: "token.expiring",
      window: { kind: "expiring", until: new Date(now.getTime() + 7 * day) },
      hooks: expiring,
      // One notice 7 days before and one 1 day before, each only for tokens made to live longer
      // than that: a token issued for 3 days was never a surprise at 7, nor a 15-minute CI token at 1.
      describe(token) {
        const [stage, span] = token.expireTime!.getTime() - now.getTime() <= day ? ["1d", day] : ["7d", 7 * day];
        if (lifetime(token) <= span) return undefined;
        return { key: `token.expiring:${stage}:${token._id.toHexString()}`, data: { token: tokenData(token), within: stage } };
      },
    });
  }
  const expired = subscribed("token.expired");
  if (expired.length > 0) {
    const since = Math.max(now.getTime() - expiredLookbackMs, Math.min(...expired.map((h) => h.createTime.getTime())));
    scans.push({
      name: "expired",
      event: "token.expired",
      window: { kind: "expired", since: new Date(since) },
      hooks: expired,
      // A webhook hears of tokens that expired after it was created, not of the organisation's
      // history, and not of short-lived tokens (a day or less), whose end is their purpose.
      describe: (token, hook) =>
        token.expireTime! > hook.createTime && lifetime(token) > day
          ? { key: `token.expired:${token._id.toHexString()}`, data: { token: tokenData(token) } }
          : undefined,
    });
  }
  const unused = subscribed("token.unused");
  for (const days of new Set(unused.map((h) => h.unusedDays))) {
    scans.push({
      name: `unused:${days}`,
      event: "token.unused",
      window: { kind: "unused", cutoff: new Date(now.getTime() - days * day) },
      hooks: unused.filter((h) => h.unusedDays === days),
      // A use starts a new period: the key names the last use, so a token unused again is announced again.
      describe: (token) => ({
        key: `token.unused:${days}d:${token._id.toHexString()}:${token.lastUsedTime?.getTime() ?? "never"}`,
        data: { token: tokenData(token), unusedDays: days, lastUsedTime: token.lastUsedTime?.toISOString() ?? null },
      }),
    });
  }
  return scans;
}
