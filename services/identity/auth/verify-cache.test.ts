import { LRUCache } from "lru-cache";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { unknownToken, VerifyCache, type AuthToken, type LoadedAccount, type LoadedToken, type VerifyLoader } from "./verify-cache.ts";

const accountId = new ObjectId();
const token = (org = "acme", account = accountId, permissions: string[] = []): AuthToken => ({
  _id: new ObjectId(),
  org,
  accountId: account,
  permissions,
  environments: [],
  audiences: [],
  expireTime: null,
  revokeTime: null,
});
const account = (permissions = ["accounts.read"]): LoadedAccount => ({
  account: null,
  roles: ["viewer"],
  grants: new Map(permissions.map((p) => [p, { all: true }])),
});
const cache = (maxEntries = 3) => new VerifyCache({ maxEntries, ttlMs: 1000, negativeTtlMs: 100 });

/** Fills a token and its account, as a read would. */
function fill(c: VerifyCache, hash: string, t = token(), a = account(), now = 0) {
  c.fill(hash, t, c.begin(), now);
  c.fillAccount(t, a, c.begin(), now);
  return t;
}

/** A loader over fixed answers that counts its reads. */
function loader(tokens: Record<string, AuthToken>, loaded = account()) {
  const reads = { token: 0, account: 0 };
  const load: VerifyLoader = {
    token: async (hash) => (reads.token++, tokens[hash]),
    account: async () => (reads.account++, loaded),
  };
  return { load, reads };
}

/** A lookup as the authenticator makes one: the cached answer, else a read-through. */
async function read(c: VerifyCache, hash: string, now: number, trusted: boolean, load: VerifyLoader): Promise<LoadedToken | undefined> {
  const hit = c.cached(hash, now, trusted);
  return hit === unknownToken ? undefined : (hit ?? c.load(hash, now, trusted, load));
}

describe("VerifyCache", () => {
  it("serves a fill until its time to live", () => {
    const c = cache();
    const t = fill(c, "h");
    expect((c.get("h", 999) as { token: AuthToken }).token).toBe(t);
    expect(c.get("h", 1000)).toBeUndefined();
  });

  it("drops a fill that started before an invalidation, so revocations are never undone", () => {
    const c = cache();
    const startedAt = c.begin();
    c.invalidateToken("h"); // a revocation lands while the read is in flight
    c.fill("h", token(), startedAt, 0);
    c.fillAccount(token(), account(), c.begin(), 0);
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
    fill(c, "a", token("acme", accountId));
    fill(c, "b", token("acme", other));
    fill(c, "c", token("globex", new ObjectId()));
    c.invalidateAccount(accountId.toHexString());
    expect([c.get("a", 1), c.get("b", 1) !== undefined, c.get("c", 1) !== undefined]).toEqual([undefined, true, true]);
    c.invalidateOrganization("acme");
    expect([c.get("b", 1), c.get("c", 1) !== undefined]).toEqual([undefined, true]);
  });

  it("stays within its bound by evicting the least recently used entry", () => {
    const c = cache();
    for (const hash of ["1", "2", "3"]) fill(c, hash);
    expect(c.get("1", 1)).toBeDefined(); // a hot entry, such as a gateway's own credential
    fill(c, "4");
    expect(c.size).toBe(3);
    expect(c.get("2", 1)).toBeUndefined();
    expect([c.get("1", 1), c.get("3", 1), c.get("4", 1)].every(Boolean)).toBe(true);
  });

  it("caches nothing when disabled", () => {
    const c = cache(0);
    fill(c, "h");
    c.fillUnknown("u", c.begin(), 0);
    expect([c.size, c.get("h", 1), c.get("u", 1)]).toEqual([0, undefined, undefined]);
  });

  it("reads only what is missing: a new token of a cached account costs one read", async () => {
    const c = cache(10);
    const { load, reads } = loader({ a: token(), b: token() });
    await read(c, "a", 0, true, load);
    expect(reads).toEqual({ token: 1, account: 1 });
    await read(c, "b", 0, true, load);
    expect(reads).toEqual({ token: 2, account: 1 });
    await read(c, "a", 0, true, load);
    expect(reads).toEqual({ token: 2, account: 1 });
  });

  it("after an account invalidation re-reads the account, not its tokens", async () => {
    const c = cache(10);
    const { load, reads } = loader({ a: token(), b: token() });
    await read(c, "a", 0, true, load);
    await read(c, "b", 0, true, load);
    c.invalidateAccount(accountId.toHexString());
    await read(c, "a", 1, true, load);
    await read(c, "b", 1, true, load);
    expect(reads).toEqual({ token: 2, account: 2 });
  });

  it("re-reading an account does not extend its tokens' time to live", async () => {
    const c = cache(10);
    const { load, reads } = loader({ a: token() });
    await read(c, "a", 0, true, load);
    c.invalidateAccount(accountId.toHexString());
    await read(c, "a", 600, true, load);
    expect(reads).toEqual({ token: 1, account: 2 });
    await read(c, "a", 1000, true, load); // the token's entry, filled at 0, ends at 1000
    expect(reads.token).toBe(2);
  });

  it("shares the account's grants with unrestricted tokens and narrows restricted ones", async () => {
    const c = cache(10);
    const loaded = account(["accounts.read", "tokens.write"]);
    const { load } = loader({ a: token(), r: token("acme", accountId, ["tokens.write"]) }, loaded);
    expect((await read(c, "a", 0, true, load))!.grants).toBe(loaded.grants);
    expect([...(await read(c, "r", 0, true, load))!.grants.keys()]).toEqual(["tokens.write"]);
  });

  it("answers with one object per token and account entry, replaced exactly when either is invalidated", async () => {
    const c = cache(10);
    const { load } = loader({ a: token() });
    const first = await read(c, "a", 0, true, load);
    expect(await read(c, "a", 1, true, load)).toBe(first);
    c.invalidateAccount(accountId.toHexString());
    const second = await read(c, "a", 2, true, load);
    expect(second).not.toBe(first);
    c.invalidateToken("a");
    const third = await read(c, "a", 3, true, load);
    expect(third).not.toBe(second);
    c.invalidateOrganization("acme");
    expect(await read(c, "a", 4, true, load)).not.toBe(third);
  });

  it("bypasses itself when not trusted, reading everything", async () => {
    const c = cache(10);
    const { load, reads } = loader({ a: token() });
    fill(c, "a");
    await read(c, "a", 0, false, load);
    expect([reads, c.lookups.bypass]).toEqual([{ token: 1, account: 1 }, 1]);
  });

  it("makes one read for lookups that miss together", async () => {
    const c = cache();
    const { load, reads } = loader({ h: token() });
    const answers = await Promise.all(Array.from({ length: 20 }, () => read(c, "h", 0, true, load)));
    expect(reads).toEqual({ token: 1, account: 1 });
    expect(new Set(answers).size).toBe(1);
    // Tokens of one account missing together read the account once too.
    const other = loader({ a: token(), b: token() });
    await Promise.all([read(c, "a", 0, true, other.load), read(c, "b", 0, true, other.load)]);
    expect(other.reads).toEqual({ token: 2, account: 0 });
    // With the cache off, every lookup reads for itself.
    const off = loader({ h: token() });
    const uncached = cache(0);
    await Promise.all(Array.from({ length: 5 }, () => read(uncached, "h", 0, true, off.load)));
    expect(off.reads).toEqual({ token: 5, account: 5 });
  });

  it("never shares a read that started before an invalidation with a lookup after it", async () => {
    const c = cache();
    const revoked = { ...token(), revokeTime: new Date(0) };
    let answer: AuthToken = token();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reads = { token: 0 };
    const load: VerifyLoader = {
      token: async () => {
        reads.token++;
        const read = answer;
        await gate;
        return read;
      },
      account: async () => account(),
    };
    const before = read(c, "h", 0, true, load);
    answer = revoked; // the revocation is written, and its invalidation lands, while the first read waits
    c.invalidateToken("h");
    const after = read(c, "h", 0, true, load);
    release();
    expect(reads.token).toBe(2);
    expect((await after)!.token.revokeTime).toEqual(new Date(0));
    expect((await before)!.token.revokeTime).toBeNull();
  });

  it("invalidates an account in time independent of how many entries are cached", () => {
    // Counted, not timed: an account invalidation touches the account's entry only.
    const c = new VerifyCache({ maxEntries: 100_000, ttlMs: 60_000, negativeTtlMs: 100 });
    const target = new ObjectId();
    for (let i = 0; i < 50_000; i++) fill(c, `t${i}`, token("acme", i % 2 ? accountId : target));
    const deletes = countDeletes(c, () => c.invalidateAccount(target.toHexString()));
    expect(deletes).toBe(1);
    expect(c.get("t0", 1)).toBeUndefined();
    expect(c.get("t1", 1)).toBeDefined();
  });
});

/** Deletions `run` makes in the cache's maps (Maps and lru-caches). */
function countDeletes(c: VerifyCache, run: () => void): number {
  let deletes = 0;
  type Deleting = { delete(key: unknown): boolean };
  const stores = Object.values(c).filter((v): v is Deleting => v instanceof Map || v instanceof LRUCache);
  for (const store of stores) {
    const original = store.delete;
    store.delete = (key: unknown) => (deletes++, original.call(store, key));
  }
  try {
    run();
  } finally {
    for (const store of stores) delete (store as { delete?: unknown }).delete;
  }
  return deletes;
}
