import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./failure-limiter.ts";

describe("FailureLimiter", () => {
  it("refuses a peer after the limit until its window ends, and only that peer", () => {
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000, maxPeers: 10 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("a", 100)).toBe(0);
      limiter.fail("a", 100);
    }
    expect(limiter.retryAfter("a", 400)).toBe(700);
    expect(limiter.retryAfter("b", 400)).toBe(0);
    expect(limiter.retryAfter("a", 1100)).toBe(0);
    limiter.fail("a", 1100);
    expect(limiter.retryAfter("a", 1101)).toBe(0);
  });

  it("does nothing when turned off, and forgets the oldest peers beyond its bound", () => {
    const off = new FailureLimiter({ limit: 0, windowMs: 1000, maxPeers: 10 });
    for (let i = 0; i < 100; i++) off.fail("a", 0);
    expect(off.retryAfter("a", 1)).toBe(0);
    const small = new FailureLimiter({ limit: 1, windowMs: 1000, maxPeers: 2 });
    small.fail("a", 0);
    small.fail("b", 0);
    small.fail("c", 0);
    expect([small.retryAfter("a", 1), small.retryAfter("b", 1), small.retryAfter("c", 1)]).toEqual([0, 999, 999]);
  });
});
