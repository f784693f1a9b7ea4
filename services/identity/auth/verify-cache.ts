// In-process cache of verified tokens, keyed by token hash, so Verify and every authenticated call
// cost no database round trip on a hit. Safety rules:
// - entries hold what was read (token, account, grants), and the request re-checks expiry, revocation
//   and account status against it every time;
// - unknown hashes are remembered briefly (negative cache) and forgotten when a token with that
//   hash is created;
// - a fill that started before an invalidation was applied is dropped, so a slow read can never
//   put back an entry a revocation removed;
// - entries live at most `ttlMs`, a bound on staleness should an invalidation ever be lost.
import type { AccountDoc, TokenDoc } from "../store/documents.ts";
import type { Grants } from "../domain/permissions.ts";

/** A token as read, with its account (null when gone) and the grants of the account's roles. */
export interface LoadedToken {
  token: TokenDoc;
  account: AccountDoc | null;
  roles: string[];
  grants: Grants;
}

export interface VerifyCacheOptions {
  maxEntries: number;
  ttlMs: number;
  negativeTtlMs: number;
}

interface Entry {
  verified: LoadedToken;
  until: number;
}

export const unknownToken = Symbol("unknown token");

export class VerifyCache {
  private readonly entries = new Map<string, Entry>();
  /** Hashes by account and by organisation, so an invalidation touches only the entries it affects. */
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly byOrg = new Map<string, Set<string>>();
  private readonly unknown = new Map<string, number>();
  /** Incremented by every invalidation; fills compare it with the value they started with. */
  private epoch = 0;
  /** Lookups answered from the cache (hit), not (miss), or not asked because it was stale (bypass). */
  readonly lookups = { hit: 0, miss: 0, bypass: 0 };

  constructor(private readonly options: VerifyCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The epoch to pass to `fill` for a read starting now. */
  begin(): number {
    return this.epoch;
  }

  /**
   * Read-through: the cached answer while `trusted` (the change log was read recently), else
   * `load`'s, remembered unless an invalidation landed while it ran. Undefined: no such token.
   */
  async read(hash: string, now: number, trusted: boolean, load: () => Promise<LoadedToken | undefined>): Promise<LoadedToken | undefined> {
    if (!trusted) {
      this.lookups.bypass++;
      return load();
    }
    const hit = this.get(hash, now);
    if (hit === unknownToken) return undefined;
    if (hit) return hit;
    const startedAt = this.begin();
    const loaded = await load();
    if (loaded) this.fill(hash, loaded, startedAt, now);
    else this.fillUnknown(hash, startedAt, now);
    return loaded;
  }

  get(hash: string, now: number): LoadedToken | typeof unknownToken | undefined {
    const found = this.find(hash, now);
    this.lookups[found === undefined ? "miss" : "hit"]++;
    return found;
  }

  private find(hash: string, now: number): LoadedToken | typeof unknownToken | undefined {
    const entry = this.entries.get(hash);
    if (entry) {
      if (entry.until <= now) {
        this.remove(hash);
        return undefined;
      }
      // Re-inserted at the end: eviction takes the least recently used entry.
      this.entries.delete(hash);
      this.entries.set(hash, entry);
      return entry.verified;
    }
    const unknownUntil = this.unknown.get(hash);
    if (unknownUntil === undefined) return undefined;
    if (unknownUntil > now) return unknownToken;
    this.unknown.delete(hash);
    return undefined;
  }

  fill(hash: string, verified: LoadedToken, startedAt: number, now: number): void {
    if (startedAt !== this.epoch || this.options.maxEntries === 0) return;
    this.remove(hash);
    // Map order is use order (hits re-insert): the first key is the least recently used.
    if (this.entries.size >= this.options.maxEntries) this.remove(this.entries.keys().next().value!);
    this.entries.set(hash, { verified, until: now + this.options.ttlMs });
    index(this.byAccount, verified.token.accountId.toHexString(), hash);
    index(this.byOrg, verified.token.org, hash);
  }

  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    unindex(this.byAccount, entry.verified.token.accountId.toHexString(), hash);
    unindex(this.byOrg, entry.verified.token.org, hash);
  }

  fillUnknown(hash: string, startedAt: number, now: number): void {
    if (startedAt !== this.epoch || this.options.maxEntries === 0) return;
    if (this.unknown.size >= this.options.maxEntries) this.unknown.delete(this.unknown.keys().next().value!);
    this.unknown.set(hash, now + this.options.negativeTtlMs);
  }

  /** A token changed (revoked, restored, rotated, deleted) or was created with this hash. */
  invalidateToken(hash: string): void {
    this.epoch++;
    this.remove(hash);
    this.unknown.delete(hash);
  }

  /** An account's status or role bindings changed: every token of it. */
  invalidateAccount(accountId: string): void {
    this.epoch++;
    for (const hash of this.byAccount.get(accountId) ?? []) this.remove(hash);
  }

  /** A role of the organisation changed: every token of it. */
  invalidateOrganization(org: string): void {
    this.epoch++;
    for (const hash of this.byOrg.get(org) ?? []) this.remove(hash);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.byAccount.clear();
    this.byOrg.clear();
    this.unknown.clear();
  }
}

function index(map: Map<string, Set<string>>, key: string, hash: string): void {
  let hashes = map.get(key);
  if (!hashes) map.set(key, (hashes = new Set()));
  hashes.add(hash);
}

function unindex(map: Map<string, Set<string>>, key: string, hash: string): void {
  const hashes = map.get(key);
  if (!hashes) return;
  hashes.delete(hash);
  if (hashes.size === 0) map.delete(key);
}
