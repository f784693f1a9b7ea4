// In-process cache of what verification reads, so Verify and every authenticated call cost no
// database round trip on a hit, and a miss on a token costs one read (its account usually cached).
// Two maps: tokens by hash, and accounts (status, roles, grants) by id, so one account's entry is
// shared by all its tokens and an account or role change drops one entry, not every token of it.
// Safety rules:
// - entries hold what was read, and the request re-checks expiry, revocation and account status
//   against it every time;
// - unknown hashes are remembered briefly (negative cache) and forgotten when a token with that
//   hash is created;
// - a fill that started before an invalidation was applied is dropped, so a slow read can never
//   put back an entry a revocation removed;
// - entries live at most `ttlMs`, a bound on staleness should an invalidation ever be lost;
// - lookups that miss together share one read, but only if no invalidation landed since it started.
// The maps are lru-cache's: least recently used entries go first, in constant time. A JavaScript Map
// made to do it (re-inserting on every hit, evicting its first key) took time in proportion to its
// size under churn, up to 80 µs a lookup at 100,000 entries, for example when unknown tokens stream in.
import { LRUCache } from "lru-cache";
import { narrow, type Grants } from "../domain/permissions.ts";
import type { AccountDoc, TokenDoc } from "../store/documents.ts";

/** What verification keeps of a token: its owner, lifecycle and restrictions. */
export type AuthToken = Pick<TokenDoc, "_id" | "org" | "accountId" | "permissions" | "environments" | "audiences" | "expireTime" | "revokeTime">;

/** What verification keeps of an account: who it is and its status. */
export type AuthAccount = Pick<AccountDoc, "_id" | "org" | "name" | "status">;

/**
 * An account as read (null when gone), with its roles and their grants before any token narrows
 * them, normalised as `narrow` returns them (no empty scopes), so unrestricted tokens share them.
 */
export interface LoadedAccount {
  account: AuthAccount | null;
  roles: readonly string[];
  grants: Grants;
}

/** A token as read, with its account and the grants of the account's roles narrowed by the token. */
export interface LoadedToken extends LoadedAccount {
  token: AuthToken;
  /** The token's and its account's ids in hex, converted once rather than on every request. */
  tokenId: string;
  accountId: string;
}

/** How the cache reads on a miss. */
export interface VerifyLoader {
  token(hash: string): Promise<AuthToken | undefined>;
  account(token: AuthToken): Promise<LoadedAccount>;
}

export interface VerifyCacheOptions {
  /** Tokens held (and, separately, accounts); 0 turns the cache off. */
  maxEntries: number;
  ttlMs: number;
  /** How long an unknown hash is remembered. */
  negativeTtlMs: number;
}

interface AccountEntry {
  loaded: LoadedAccount;
  org: string;
  until: number;
}

interface TokenEntry {
  token: AuthToken;
  /** Its account's id in hex: the key of the account entry. */
  accountId: string;
  until: number;
  /** The account entry `verified` was built from: a token answers only while that entry is current. */
  from: AccountEntry | undefined;
  verified: LoadedToken | undefined;
}

export const unknownToken = Symbol("unknown token");

/** A read in flight, and the invalidation epoch it started in. */
interface InFlight<T> {
  epoch: number;
  read: Promise<T>;
}

export class VerifyCache {
  private readonly tokens: LRUCache<string, TokenEntry>;
  private readonly accounts: LRUCache<string, AccountEntry>;
  /** Account ids by organisation: a role change drops its accounts' entries and nothing else. */
  private readonly byOrg = new Map<string, Set<string>>();
  private readonly unknown: LRUCache<string, number>;
  private readonly tokenReads = new Map<string, InFlight<AuthToken | undefined>>();
  private readonly accountReads = new Map<string, InFlight<LoadedAccount>>();
  /** Incremented by every invalidation; fills compare it with the value they started with. */
  private epoch = 0;
  /** Lookups answered from the cache (hit), not (miss), or not asked because it was stale (bypass). */
  readonly lookups = { hit: 0, miss: 0, bypass: 0 };

  constructor(private readonly options: VerifyCacheOptions) {
    // lru-cache needs room for one; with the cache off (0) nothing is ever filled.
    const max = Math.max(1, options.maxEntries);
    this.tokens = new LRUCache({ max });
    this.unknown = new LRUCache({ max });
    // An account leaving the cache, evicted or dropped, leaves its organisation's index too.
    this.accounts = new LRUCache({ max, dispose: (entry, key, reason) => reason !== "set" && this.unindex(entry.org, key) });
  }

  /** Tokens held. */
  get size(): number {
    return this.tokens.size;
  }

  /** The epoch to pass to a fill for a read starting now. */
  begin(): number {
    return this.epoch;
  }

  /**
   * The cached answer while `trusted` (the change log was read recently): a token with its current
   * account, unknownToken, or undefined, after which `load` reads what is missing. A hit is
   * answered at once, not as a promise: every authenticated call makes two lookups.
   */
  cached(hash: string, now: number, trusted: boolean): LoadedToken | typeof unknownToken | undefined {
    if (trusted) return this.get(hash, now);
    this.lookups.bypass++;
    return undefined;
  }

  /**
   * Read-through after `cached` missed: what was read is remembered unless an invalidation landed
   * meanwhile. Only what is missing is read: the token, its account, or both. Undefined: no such token.
   */
  async load(hash: string, now: number, trusted: boolean, load: VerifyLoader): Promise<LoadedToken | undefined> {
    if (!trusted) {
      const token = await load.token(hash);
      return token && combine(token, await load.account(token));
    }
    const startedAt = this.epoch;
    // A cached token whose account entry went (invalidated, evicted) keeps its entry and its time to
    // live: only the account is read again.
    const cached = this.tokens.get(hash)?.token;
    const token = cached ?? (await this.shared(this.tokenReads, hash, () => load.token(hash)));
    if (!token) {
      this.fillUnknown(hash, startedAt, now);
      return undefined;
    }
    const key = token.accountId.toHexString();
    let account = this.account(key, now)?.loaded;
    if (!account) {
      account = await this.shared(this.accountReads, key, () => load.account(token));
      // Lookups that shared a read fill it once: the entry the first made serves the others.
      if (!this.account(key, now)) this.fillAccount(token, account, startedAt, now);
    }
    if (!cached && !this.tokens.has(hash)) this.fill(hash, token, startedAt, now);
    const found = this.get(hash, now, false);
    return found && found !== unknownToken ? found : combine(token, account);
  }

  /**
   * One read per key at a time: lookups that miss together (a cold cache, a popular token) share it.
   * Only lookups starting before any invalidation lands share a read, so none is answered from a read
   * older than an invalidation it follows.
   */
  private shared<T>(reads: Map<string, InFlight<T>>, key: string, read: () => Promise<T>): Promise<T> {
    // With the cache off every lookup reads for itself.
    if (this.options.maxEntries === 0) return read();
    const current = reads.get(key);
    if (current && current.epoch === this.epoch) return current.read;
    const started: InFlight<T> = { epoch: this.epoch, read: read() };
    reads.set(key, started);
    const done = () => {
      if (reads.get(key) === started) reads.delete(key);
    };
    started.read.then(done, done);
    return started.read;
  }

  /** The cached answer for a hash: a token with its current account, unknown, or undefined (not cached). */
  get(hash: string, now: number, count = true): LoadedToken | typeof unknownToken | undefined {
    const found = this.find(hash, now);
    if (count) this.lookups[found === undefined ? "miss" : "hit"]++;
    return found;
  }

  private find(hash: string, now: number): LoadedToken | typeof unknownToken | undefined {
    const entry = this.tokens.get(hash);
    if (entry) {
      if (entry.until <= now) {
        this.tokens.delete(hash);
        return undefined;
      }
      const account = this.account(entry.accountId, now);
      if (!account) return undefined;
      if (entry.from !== account) {
        entry.from = account;
        entry.verified = combine(entry.token, account.loaded, entry.accountId);
      }
      return entry.verified;
    }
    const unknownUntil = this.unknown.get(hash);
    if (unknownUntil === undefined) return undefined;
    if (unknownUntil > now) return unknownToken;
    this.unknown.delete(hash);
    return undefined;
  }

  private account(key: string, now: number): AccountEntry | undefined {
    const entry = this.accounts.get(key);
    if (!entry || entry.until > now) return entry;
    this.accounts.delete(key);
    return undefined;
  }

  /** Remembers a token as read (its account is filled separately). */
  fill(hash: string, token: AuthToken, startedAt: number, now: number): void {
    if (startedAt !== this.epoch || this.options.maxEntries === 0) return;
    this.tokens.set(hash, { token, accountId: token.accountId.toHexString(), until: now + this.options.ttlMs, from: undefined, verified: undefined });
  }

  /** Remembers a token's account as read. */
  fillAccount(token: Pick<AuthToken, "org" | "accountId">, loaded: LoadedAccount, startedAt: number, now: number): void {
    if (startedAt !== this.epoch || this.options.maxEntries === 0) return;
    const key = token.accountId.toHexString();
    // Replacing an entry keeps its key in the organisation's index (dispose skips "set").
    this.accounts.set(key, { loaded, org: token.org, until: now + this.options.ttlMs });
    let keys = this.byOrg.get(token.org);
    if (!keys) this.byOrg.set(token.org, (keys = new Set()));
    keys.add(key);
  }

  fillUnknown(hash: string, startedAt: number, now: number): void {
    if (startedAt !== this.epoch || this.options.maxEntries === 0) return;
    this.unknown.set(hash, now + this.options.negativeTtlMs);
  }

  private unindex(org: string, key: string): void {
    const keys = this.byOrg.get(org);
    keys?.delete(key);
    if (keys?.size === 0) this.byOrg.delete(org);
  }

  /** A token changed (revoked, restored, rotated, deleted) or was created with this hash. */
  invalidateToken(hash: string): void {
    this.epoch++;
    this.tokens.delete(hash);
    this.unknown.delete(hash);
  }

  /** An account's status or role bindings changed: its one entry; its tokens re-read it on next use. */
  invalidateAccount(accountId: string): void {
    this.epoch++;
    this.accounts.delete(accountId);
  }

  /** A role of the organisation changed: the entries of its accounts. */
  invalidateOrganization(org: string): void {
    this.epoch++;
    for (const key of this.byOrg.get(org) ?? []) this.accounts.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.tokens.clear();
    this.accounts.clear();
    this.byOrg.clear();
    this.unknown.clear();
  }
}

/** A token with its account: the account's grants, narrowed by the token when it restricts them (else shared). */
function combine(token: AuthToken, account: LoadedAccount, accountId = token.accountId.toHexString()): LoadedToken {
  const restricted = token.permissions.length > 0 || token.environments.length > 0;
  const grants = restricted ? narrow(account.grants, token.permissions, token.environments) : account.grants;
  return { token, account: account.account, roles: account.roles, grants, tokenId: token._id.toHexString(), accountId };
}
