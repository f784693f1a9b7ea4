import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { unknownToken, VerifyCache, type LoadedToken } from "./verify-cache.ts";

const accountId = new ObjectId();
function loaded(org = "acme", account = accountId): LoadedToken {
  return { token: { org, accountId: account } as LoadedToken["token"], account: null, roles: [], grants: new Map() };
}
const cache = () => new VerifyCache({ maxEntries: 3, ttlMs: 1000, negativeTtlMs: 100 });

describe("VerifyCache", () => {
  it("serves a fill until its time to live", () => {
    const c = cache();
    const entry = loaded();
    c.fill("h", entry, c.begin(), 0);
    expect(c.get("h", 999)).toBe(entry);
    expect(c.get("h", 1000)).toBeUndefined();
  });

  it("drops a fill that started before an invalidation, so revocations are never undone", () => {
    const c = cache();
    const startedAt = c.begin();
    c.invalidateToken("h"); // a revocation lands while the read is in flight
    c.fill("h", loaded(), startedAt, 0);
    expect(c.get("h", 1)).toBeUndefined();
  });

  it("remembers unknown hashes briefly and forgets them when such a token is created", () => {
    const c = cache();
    c.fillUnknown("h", c.begin(), 0);
    expect(c.get("h", 50)).toBe(unknownToken);
    expect(c.get("h", 100)).toBeUndefined();
    c.fillUnknown("h", c.begin(), 200);
    c.invalidateToken("h");
    expect(c.get("h", 201)).toBeUndefined();
  });

  it("invalidates by account and by organisation", () => {
    const c = cache();
    const other = new ObjectId();
    c.fill("a", loaded("acme", accountId), c.begin(), 0);
    c.fill("b", loaded("acme", other), c.begin(), 0);
    c.fill("c", loaded("globex", other), c.begin(), 0);
    c.invalidateAccount(accountId.toHexString());
    expect([c.get("a", 1), c.get("b", 1) !== undefined, c.get("c", 1) !== undefined]).toEqual([undefined, true, true]);
    c.invalidateOrganization("acme");
    expect([c.get("b", 1), c.get("c", 1) !== undefined]).toEqual([undefined, true]);
  });

  it("stays within its bound by evicting the least recently used entry", () => {
    const c = cache();
    for (const hash of ["1", "2", "3"]) c.fill(hash, loaded(), c.begin(), 0);
    expect(c.get("1", 1)).toBeDefined(); // a hot entry, such as a gateway's own credential
    c.fill("4", loaded(), c.begin(), 0);
    expect(c.size).toBe(3);
    expect(c.get("2", 1)).toBeUndefined();
    expect([c.get("1", 1), c.get("3", 1), c.get("4", 1)].every(Boolean)).toBe(true);
  });

  it("caches nothing when disabled", () => {
    const c = new VerifyCache({ maxEntries: 0, ttlMs: 1000, negativeTtlMs: 100 });
    c.fill("h", loaded(), c.begin(), 0);
    c.fillUnknown("u", c.begin(), 0);
    expect([c.size, c.get("u", 1)]).toEqual([0, undefined]);
  });
});
