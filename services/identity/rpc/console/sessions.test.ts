import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../domain/token-format.ts";
import { SessionStore, type SessionOptions, type SignedIn } from "./sessions.ts";

const secret = `tsr_${"a".repeat(43)}`;
const acme: SignedIn = { org: "acme", accountId: "a1", client: "10.0.0.1" };
const store = (options: Partial<SessionOptions> = {}) =>
  new SessionStore({ idleMs: 1000, absoluteMs: 5000, maxSessions: 10, maxPerOrganization: 10, maxPerToken: 10, ...options });

describe("console sessions", () => {
  it("give the token back only for the id that started them, and keep neither in the clear", () => {
    const sessions = store();
    const id = sessions.start(secret, acme, 0);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.use(id, 10)).toBe(secret);
    expect(sessions.use(id.replace(/.$/, (c) => (c === "A" ? "B" : "A")), 10)).toBeUndefined();
    const held = JSON.stringify([...(sessions as unknown as { sessions: Map<string, { sealed: Buffer }> }).sessions].map(([k, v]) => [k, v.sealed.toString("latin1")]));
    expect(held).not.toContain(secret);
    expect(held).not.toContain(id);
  });

  it("end when idle, at their absolute lifetime however busy, and when ended", () => {
    const sessions = store();
    const idle = sessions.start(secret, acme, 0);
    const busy = sessions.start(secret, acme, 0);
    for (let t = 500; t < 5000; t += 500) expect(sessions.use(busy, t)).toBe(secret);
    expect(sessions.use(idle, 4500)).toBeUndefined();
    expect(sessions.use(busy, 5000)).toBeUndefined();
    const ended = sessions.start(secret, acme, 6000);
    sessions.end(ended, "the token is revoked");
    expect(sessions.use(ended, 6001)).toBeUndefined();
    expect(sessions.whyEnded(ended)).toBe("the token is revoked");
  });

  it("hold at most maxPerToken of one token and maxPerOrganization of one organisation, ending only its own oldest", () => {
    const sessions = store({ maxPerToken: 2, maxPerOrganization: 3 });
    const other = `tsr_${"b".repeat(43)}`;
    const globex = sessions.start(other, { ...acme, org: "globex", accountId: "g1" }, 0);
    const [a, b, c] = [sessions.start(secret, acme, 1), sessions.start(secret, acme, 2), sessions.start(secret, acme, 3)];
    expect(sessions.use(a, 4)).toBeUndefined();
    expect([b, c, globex].map((id) => sessions.use(id, 4))).toEqual([secret, secret, other]);
    const third = `tsr_${"c".repeat(43)}`;
    const [d, e] = [sessions.start(third, { ...acme, accountId: "a2" }, 5), sessions.start(third, { ...acme, accountId: "a2" }, 6)];
    // acme's oldest (b) made room; globex's session is untouched.
    expect([b, c, d, e, globex].map((id) => sessions.use(id, 7) !== undefined)).toEqual([false, true, true, true, true]);
  });

  it("refuse sign-ins when full rather than end another tenant's sessions, after dropping expired ones", () => {
    const sessions = store({ maxSessions: 2 });
    const victim = sessions.start(secret, acme, 0);
    const idle = sessions.start(`tsr_${"b".repeat(43)}`, { ...acme, org: "globex" }, 0);
    for (let t = 500; t <= 1500; t += 500) sessions.use(victim, t);
    // The idle one is swept to make room; then the instance is full and the sign-in is refused.
    const attacker = sessions.start(`tsr_${"c".repeat(43)}`, { ...acme, org: "globex" }, 1500);
    expect(sessions.use(idle, 1500)).toBeUndefined();
    expect(() => sessions.start(`tsr_${"d".repeat(43)}`, { ...acme, org: "globex" }, 1500)).toThrow(/as many console sessions/);
    expect([victim, attacker].map((id) => sessions.use(id, 1600))).toEqual([secret, `tsr_${"c".repeat(43)}`]);
  });

  it("end when their token or account changes, even if it changes back, but not when signed in after the change", () => {
    const sessions = store();
    const event = (kind: "token" | "account" | "organization", key: string, time: number) => ({ _id: new ObjectId(), kind, key, time: new Date(time) });
    const [byToken, byAccount, kept] = [sessions.start(secret, acme, 0), sessions.start(`tsr_${"b".repeat(43)}`, acme, 0), sessions.start(`tsr_${"c".repeat(43)}`, { ...acme, accountId: "a2" }, 0)];
    sessions.invalidated([event("token", hashToken(secret), 10), event("organization", "acme", 10)]);
    expect(sessions.use(byToken, 20)).toBeUndefined();
    expect(sessions.whyEnded(byToken)).toMatch(/token was revoked, restored/);
    expect(sessions.use(byAccount, 20)).toBeDefined();
    sessions.invalidated([event("account", "a1", 30)]);
    expect(sessions.use(byAccount, 40)).toBeUndefined();
    expect(sessions.whyEnded(byAccount)).toMatch(/service account was disabled, enabled/);
    // The same events delivered again (the follower re-reads a window) spare sessions started since.
    const again = sessions.start(secret, acme, 50);
    sessions.invalidated([event("token", hashToken(secret), 10), event("account", "a1", 30)]);
    expect([again, kept].map((id) => sessions.use(id, 60) !== undefined)).toEqual([true, true]);
  });

  it("refuse ids that are not of their shape", () => {
    const sessions = store();
    for (const id of ["", "x", "../..", "A".repeat(44), `${"A".repeat(42)}=`]) expect(sessions.use(id, 0)).toBeUndefined();
  });
});
