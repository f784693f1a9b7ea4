import { describe, expect, it } from "vitest";
import { SessionStore } from "./sessions.ts";

const secret = `tsr_${"a".repeat(43)}`;
const store = (maxSessions = 10) => new SessionStore({ idleMs: 1000, absoluteMs: 5000, maxSessions });

describe("console sessions", () => {
  it("give the token back only for the id that started them, and keep neither in the clear", () => {
    const sessions = store();
    const id = sessions.start(secret, 0);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.use(id, 10)).toBe(secret);
    expect(sessions.use(id.replace(/.$/, (c) => (c === "A" ? "B" : "A")), 10)).toBeUndefined();
    const held = JSON.stringify([...(sessions as unknown as { sessions: Map<string, { sealed: Buffer }> }).sessions].map(([k, v]) => [k, v.sealed.toString("latin1")]));
    expect(held).not.toContain(secret);
    expect(held).not.toContain(id);
  });

  it("end when idle, at their absolute lifetime however busy, and when ended", () => {
    const sessions = store();
    const idle = sessions.start(secret, 0);
    const busy = sessions.start(secret, 0);
    for (let t = 500; t < 5000; t += 500) expect(sessions.use(busy, t)).toBe(secret);
    expect(sessions.use(idle, 4500)).toBeUndefined();
    expect(sessions.use(busy, 5000)).toBeUndefined();
    const ended = sessions.start(secret, 6000);
    sessions.end(ended, "the token is revoked");
    expect(sessions.use(ended, 6001)).toBeUndefined();
    expect(sessions.whyEnded(ended)).toBe("the token is revoked");
  });

  it("hold at most maxSessions, ending the oldest first", () => {
    const sessions = store(2);
    const [a, b, c] = [sessions.start(secret, 0), sessions.start(secret, 1), sessions.start(secret, 2)];
    expect(sessions.size).toBe(2);
    expect(sessions.use(a, 3)).toBeUndefined();
    expect(sessions.use(b, 3)).toBe(secret);
    expect(sessions.use(c, 3)).toBe(secret);
  });

  it("refuse ids that are not of their shape", () => {
    const sessions = store();
    for (const id of ["", "x", "../..", "A".repeat(44), `${"A".repeat(42)}=`]) expect(sessions.use(id, 0)).toBeUndefined();
  });
});
