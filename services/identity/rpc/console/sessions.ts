// Console sessions: the browser holds a random session id in an HttpOnly cookie; this instance
// holds, under the SHA-256 of that id, the token the user signed in with, encrypted with a key
// derived from the id. A memory dump without the cookie yields no token, a cookie without this
// instance's memory yields nothing either. Sessions live in memory: a restart signs everyone out,
// and several instances need sticky routing (docs/console.md).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";
import { LRUCache } from "lru-cache";
import { IdentityError } from "../../domain/errors.ts";
import { hashToken } from "../../domain/token-format.ts";
import type { AuditDoc, InvalidationDoc } from "../../store/documents.ts";

export interface SessionOptions {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
  /** Sessions held at once; beyond it sign-ins are refused (no one else's session is ended for them). */
  maxSessions: number;
  /** Sessions of one organisation; beyond it, its own oldest ends. */
  maxPerOrganization: number;
  /** Sessions of one token; beyond it, its own oldest ends. */
  maxPerToken: number;
}

/** Whose token a sign-in verified. */
export interface SignedIn {
  org: string;
  /** Hex. */
  accountId: string;
  /** The client's address. */
  client: string;
}

/** What the console route attaches to a call: the session's token, or a sign-in in progress. */
export type ConsoleCall =
  | { kind: "session"; secret: string; end(why: string): void }
  | {
      kind: "sign-in";
      /** Starts the session of `secret`, verified at `now`, and records `event`; returns the cookie to set. */
      start(secret: string, who: SignedIn, now: number, event: AuditDoc): Promise<string>;
    };

/** Set only by the console route (a fact of the request's path and cookie, never a header's claim). */
export const consoleCallKey = createContextKey<ConsoleCall | undefined>(undefined, { description: "console session" });

interface Session {
  sealed: Buffer;
  createdAt: number;
  usedAt: number;
  /** The groups it counts in: its token, account and organisation (see `groupsOf`). */
  groups: string[];
}

const idPattern = /^[A-Za-z0-9_-]{43}$/;

/** Why a change of a session's token or account ended it, by the invalidation's kind. */
const changed: Partial<Record<InvalidationDoc["kind"], string>> = {
  token: "its token was revoked, restored, rotated or deleted",
  account: "its service account was disabled, enabled, deleted or given other roles",
};

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Group ("token:<hash>", "account:<id>", "org:<name>") → its sessions' keys, oldest first. */
  private readonly groups = new Map<string, Set<string>>();
  /** Why sessions ended on a failed authentication or a change, for the calls the page already had on their way. */
  private readonly ended: LRUCache<string, string>;

  constructor(private readonly options: SessionOptions) {
    this.ended = new LRUCache({ max: Math.max(1, options.maxSessions) });
  }

  /**
   * Starts a session for `secret`; returns the id the cookie carries. Past its token's or its
   * organisation's share, that token's or organisation's oldest session ends; when the instance
   * is full anyway, the sign-in is refused: one tenant's sign-ins never end another's sessions.
   */
  start(secret: string, who: SignedIn, now: number): string {
    this.sweep(now);
    const [token, account, org] = groupsOf(secret, who);
    this.trim(token, this.options.maxPerToken - 1);
    this.trim(org, this.options.maxPerOrganization - 1);
    if (this.sessions.size >= this.options.maxSessions) {
      throw new IdentityError(
        "resource_exhausted",
        `this instance holds as many console sessions as it may (${this.options.maxSessions}); sign in again once some have ended`,
        "console_sessions_full",
      );
    }
    const id = randomBytes(32).toString("base64url");
    const key = digest(id);
    this.sessions.set(key, { sealed: seal(id, secret), createdAt: now, usedAt: now, groups: [token, account, org] });
    for (const group of [token, account, org]) this.groups.set(group, (this.groups.get(group) ?? new Set()).add(key));
    return id;
  }

  /** The session's token, when `id` names a live session (its idle clock restarts). */
  use(id: string, now: number): string | undefined {
    if (!idPattern.test(id)) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (this.expired(session, now)) {
      this.drop(key);
      return undefined;
    }
    session.usedAt = now;
    return unseal(id, session.sealed);
  }

  end(id: string, why = ""): void {
    if (idPattern.test(id)) this.endKey(digest(id), why);
  }

  /**
   * Ends the sessions signed in before a change of their token or account (revoked then restored,
   * disabled then enabled: the session does not survive, even with no call in between). An event
   * delivered again ends only sessions older than it, so sessions signed in since are kept.
   */
  invalidated(events: readonly InvalidationDoc[]): void {
    for (const event of events) {
      const why = changed[event.kind];
      const keys = why && this.groups.get(`${event.kind}:${event.key}`);
      if (!keys) continue;
      for (const key of [...keys]) {
        if (this.sessions.get(key)!.createdAt <= event.time.getTime()) this.endKey(key, why);
      }
    }
  }

  /** Why the session `id` ended, when a failed authentication or a change ended it. */
  whyEnded(id: string): string | undefined {
    return idPattern.test(id) ? this.ended.get(digest(id)) : undefined;
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(session: Session, now: number): boolean {
    return now - session.usedAt >= this.options.idleMs || now - session.createdAt >= this.options.absoluteMs;
  }

  /** Drops expired sessions. */
  private sweep(now: number): void {
    for (const [key, session] of this.sessions) {
      if (this.expired(session, now)) this.drop(key);
    }
  }

  /** Ends the oldest sessions of `group` until it holds at most `keep`. */
  private trim(group: string, keep: number): void {
    const keys = this.groups.get(group);
    while (keys && keys.size > keep) this.drop(keys.values().next().value!);
  }

  private endKey(key: string, why: string): void {
    if (!this.drop(key) || !why) return;
    this.ended.set(key, why);
  }

  private drop(key: string): boolean {
    const session = this.sessions.get(key);
    if (!session) return false;
    this.sessions.delete(key);
    for (const group of session.groups) {
      const keys = this.groups.get(group)!;
      keys.delete(key);
      if (keys.size === 0) this.groups.delete(group);
    }
    return true;
  }
}

/** The groups a session counts in, named as invalidations name what they change. */
function groupsOf(secret: string, who: SignedIn): [token: string, account: string, org: string] {
  return [`token:${hashToken(secret)}`, `account:${who.accountId}`, `org:${who.org}`];
}

function digest(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}

function keyOf(id: string): Buffer {
  return Buffer.from(hkdfSync("sha256", id, "", "tessera console session", 32));
}

function seal(id: string, secret: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(id), iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(id: string, sealed: Buffer): string {
  const decipher = createDecipheriv("aes-256-gcm", keyOf(id), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString("utf8");
}
