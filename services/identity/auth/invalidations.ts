// Cache invalidation across instances without change streams: every change that can affect
// verification is applied to this instance's cache at once and appended to a change log that every
// instance polls with an indexed range query on _id.
//
// Writers commit out of order (an event with an earlier id can become visible after a later one),
// so each poll looks back over a window of the last `lookbackMs` and skips the ids it has seen; the
// part of the window it has already read is read again only when a count shows an event there it
// has not seen, so a burst is read once, not on every poll for as long as it is in the window. When this
// instance cannot keep up (a poll fails, or polls are further apart than the window), the cache is
// not trusted: lookups bypass it until a poll succeeds again, and then it is cleared.
import { ObjectId } from "mongodb";
import type { VerifyCache } from "./verify-cache.ts";
import type { InvalidationDoc, InvalidationKind } from "../store/documents.ts";
import type { InvalidationRepository } from "../store/invalidation-repository.ts";

export interface InvalidationOptions {
  pollMs: number;
  lookbackMs: number;
  /** Events read per query; a poll reads pages until one comes back short. */
  pageSize?: number;
}

export class Invalidations {
  private readonly seen = new Map<string, number>();
  /** The highest event id seen (hex), where the already-read part of the window ends. */
  private newest = "";
  private lastPoll = 0;
  private stale = true;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: InvalidationRepository,
    private readonly cache: VerifyCache,
    private readonly options: InvalidationOptions,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether the cache may answer now: the change log was read recently enough. */
  fresh(now: number): boolean {
    return !this.stale && now - this.lastPoll < this.options.lookbackMs / 2;
  }

  /** Events this instance delivers (store/outbox.ts): applied at once, and marked seen so the poll skips them. */
  applyOwn(events: readonly InvalidationDoc[]): void {
    for (const event of events) this.receive(event);
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const started = Date.now();
    try {
      if (started - this.lastPoll > this.options.lookbackMs) this.stale = true;
      // A full page is never the end: read on until caught up, however large the burst.
      const pageSize = this.options.pageSize ?? 10_000;
      const windowStart = ObjectId.createFromTime(Math.floor((started - this.options.lookbackMs) / 1000));
      let from = windowStart;
      let inclusive = true;
      if (this.newest > windowStart.toHexString()) {
        const newest = new ObjectId(this.newest);
        if ((await this.repository.count(windowStart, newest)) === this.seenBetween(windowStart.toHexString(), this.newest)) {
          from = newest;
          inclusive = false;
        }
      }
      for (; ; inclusive = false) {
        const events = await this.repository.page(from, inclusive, pageSize);
        for (const event of events) this.receive(event);
        if (events.length < pageSize) break;
        from = events.at(-1)!._id;
      }
      if (this.stale) {
        // Events may have been missed while we could not read the log.
        this.cache.clear();
        this.stale = false;
      }
      this.lastPoll = started;
      this.forget(started);
    } catch (error) {
      this.stale = true;
      this.onError(error);
    } finally {
      this.polling = false;
    }
  }

  private receive(event: InvalidationDoc): void {
    const id = event._id.toHexString();
    if (this.seen.has(id)) return;
    this.seen.set(id, event._id.getTimestamp().getTime());
    if (id > this.newest) this.newest = id;
    this.apply(event.kind, event.key);
  }

  /** How many seen ids lie from `low` to `high` (hex ids of one length order as their values). */
  private seenBetween(low: string, high: string): number {
    let count = 0;
    for (const id of this.seen.keys()) if (id >= low && id <= high) count++;
    return count;
  }

  private apply(kind: InvalidationKind, key: string): void {
    if (kind === "token") this.cache.invalidateToken(key);
    else if (kind === "account") this.cache.invalidateAccount(key);
    else this.cache.invalidateOrganization(key);
  }

  private forget(now: number): void {
    const horizon = now - 2 * this.options.lookbackMs;
    for (const [id, time] of this.seen) {
      if (time >= horizon) break;
      this.seen.delete(id);
    }
  }
}
