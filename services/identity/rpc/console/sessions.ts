// Console sessions: the browser holds a random session id in an HttpOnly cookie; this instance
// holds, under the SHA-256 of that id, the token the user signed in with, encrypted with a key
// derived from the id. A memory dump without the cookie yields no token, a cookie without this
// instance's memory yields nothing either. Sessions live in memory: a restart signs everyone out,
// and several instances need sticky routing (docs/console.md).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

export interface SessionOptions {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
  /** Sessions held at once; signing in beyond it ends the oldest. */
  maxSessions: number;
}

/** What the console route attaches to a call: the session's token, or a sign-in in progress. */
export type ConsoleCall =
  | { kind: "session"; secret: string; end(why: string): void }
  | { kind: "sign-in"; start(secret: string): string };

/** Set only by the console route (a fact of the request's path and cookie, never a header's claim). */
export const consoleCallKey = createContextKey<ConsoleCall | undefined>(undefined, { description: "console session" });

interface Session {
  sealed: Buffer;
  createdAt: number;
  usedAt: number;
}

const idPattern = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Why sessions ended on a failed authentication, for the calls the page already had on their way. */
  private readonly ended = new Map<string, string>();

  constructor(private readonly options: SessionOptions) {}

  /** Starts a session for `secret`; returns the id the cookie carries. */
  start(secret: string, now: number): string {
    this.sweep(now);
    // Insertion order is sign-in order: the first key is the oldest session.
    while (this.sessions.size >= this.options.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(digest(id), { sealed: seal(id, secret), createdAt: now, usedAt: now });
    return id;
  }

  /** The session's token, when `id` names a live session (its idle clock restarts). */
  use(id: string, now: number): string | undefined {
    if (!idPattern.test(id)) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (this.expired(session, now)) {
      this.sessions.delete(key);
      return undefined;
    }
    session.usedAt = now;
    return unseal(id, session.sealed);
  }

  end(id: string, why = ""): void {
    if (!idPattern.test(id)) return;
    const key = digest(id);
    if (!this.sessions.delete(key) || !why) return;
    this.ended.set(key, why);
    if (this.ended.size > this.options.maxSessions) this.ended.delete(this.ended.keys().next().value!);
  }

  /** Why the session `id` ended, when a failed authentication ended it. */
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
      if (this.expired(session, now)) this.sessions.delete(key);
    }
  }
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
