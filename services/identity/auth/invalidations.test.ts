// The invalidation follower against an in-memory change log: a burst larger than one page never
// hides a revocation (attack 6).
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { Invalidations } from "./invalidations.ts";
import type { InvalidationDoc } from "../store/documents.ts";
import type { InvalidationRepository } from "../store/invalidation-repository.ts";
import { VerifyCache, type AuthToken } from "./verify-cache.ts";

/** The repository's contract, over an array kept in id order; `read` counts the events pages return. */
function memoryLog(events: InvalidationDoc[], read = { events: 0 }): InvalidationRepository {
  const hex = (id: ObjectId) => id.toHexString();
  return {
    page: async (from: ObjectId, inclusive: boolean, limit: number) => {
      const page = events.filter((e) => (inclusive ? hex(e._id) >= hex(from) : hex(e._id) > hex(from))).slice(0, limit);
      read.events += page.length;
      return page;
    },
    count: async (from: ObjectId, to: ObjectId) => events.filter((e) => hex(e._id) >= hex(from) && hex(e._id) <= hex(to)).length,
    append: async (docs: readonly InvalidationDoc[]) => void events.push(...docs),
  } as unknown as InvalidationRepository;
}

const event = (key: string, id = new ObjectId()): InvalidationDoc => ({ _id: id, kind: "token", key, time: new Date() });

/** Caches a token of `accountId` and its account, as a read would. */
function fill(cache: VerifyCache, hash: string, org: string, accountId: ObjectId, now = 0): void {
  const token = { _id: new ObjectId(), org, accountId, permissions: [], environments: [] } as unknown as AuthToken;
  cache.fill(hash, token, cache.begin(), now);
  cache.fillAccount(token, { account: null, roles: [], grants: new Map() }, cache.begin(), now);
}

describe("Invalidations", () => {
  it("reads page after page until caught up, so the last event of a burst still applies", async () => {
    const cache = new VerifyCache({ maxEntries: 10, ttlMs: 60_000, negativeTtlMs: 100 });
    const follower = new Invalidations(memoryLog([]), cache, { pollMs: 50, lookbackMs: 2000, pageSize: 100 }, () => {});
    await follower.poll();
    fill(cache, "revoked-hash", "acme", new ObjectId(), Date.now());
    const burst: InvalidationDoc[] = Array.from({ length: 10_500 }, (_, i) => ({
      _id: new ObjectId(),
      kind: "token" as const,
      key: `unrelated-${i}`,
      time: new Date(),
    }));
    burst.push({ _id: new ObjectId(), kind: "token", key: "revoked-hash", time: new Date() });
    const log = memoryLog(burst);
    // The default page (10,000 events) is smaller than the burst, as in the attack.
    const fresh = new Invalidations(log, cache, { pollMs: 50, lookbackMs: 2000 }, () => {});
    // A follower that was already fresh: only the poll can remove the entry.
    (fresh as unknown as { stale: boolean }).stale = false;
    (fresh as unknown as { lastPoll: number }).lastPoll = Date.now();
    await fresh.poll();
    expect(cache.get("revoked-hash", Date.now())).toBeUndefined();
  });

  it("reads a burst once, not again on every poll while it is in the window, yet still sees a late writer", async () => {
    const cache = new VerifyCache({ maxEntries: 10, ttlMs: 60_000, negativeTtlMs: 100 });
    const events = Array.from({ length: 5000 }, (_, i) => event(`unrelated-${i}`));
    const read = { events: 0 };
    const follower = new Invalidations(memoryLog(events, read), cache, { pollMs: 50, lookbackMs: 60_000 }, () => {});
    await follower.poll();
    expect(read.events).toBe(5000);
    // A new event: only it is read.
    events.push(event("new"));
    await follower.poll();
    expect(read.events).toBe(5001);
    // An event committed late, with an id inside the part already read: the count shows it, it applies.
    fill(cache, "late-hash", "acme", new ObjectId(), Date.now());
    // (the first id of its second: within what was read, and never seen)
    const late = event("late-hash", ObjectId.createFromTime(events[2500]!._id.getTimestamp().getTime() / 1000));
    events.unshift(late);
    await follower.poll();
    expect(cache.get("late-hash", Date.now())).toBeUndefined();
  });

  it("invalidates only the entries of the account or organisation named", () => {
    const cache = new VerifyCache({ maxEntries: 100_000, ttlMs: 60_000, negativeTtlMs: 100 });
    const target = new ObjectId();
    const others = Array.from({ length: 1000 }, () => new ObjectId());
    others.forEach((id, i) => fill(cache, `other-${i}`, i % 2 ? "acme" : "globex", id));
    fill(cache, "mine-1", "acme", target);
    fill(cache, "mine-2", "acme", target);
    cache.invalidateAccount(target.toHexString());
    const cached = (hashes: string[]) => hashes.filter((h) => cache.get(h, 1) !== undefined).length;
    expect([cache.get("mine-1", 1), cache.get("mine-2", 1), cached(others.map((_, i) => `other-${i}`))]).toEqual([undefined, undefined, 1000]);
    cache.invalidateOrganization("globex");
    expect(cached(others.map((_, i) => `other-${i}`))).toBe(500);
    expect(cache.get("other-1", 1)).toBeDefined();
  });
});
