import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./failure-limiter.ts";

describe("FailureLimiter", () => {
  it("throttles a key's failures past the limit until its window ends, and only that key", () => {
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000, maxKeys: 10 });
    for (let i = 0; i < 3; i++) expect(limiter.fail(["a"], 100)).toBe(0);
    expect(limiter.fail(["a"], 400)).toBe(700);
    expect(limiter.fail(["b"], 400)).toBe(0);
    expect(limiter.fail(["a"], 1100)).toBe(0);
  });

  it("answers for the most limited of several keys", () => {
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, maxKeys: 10 });
    limiter.fail(["client:x", "token:1"], 0);
    expect(limiter.fail(["client:y", "token:1"], 10)).toBe(990);
    expect(limiter.fail(["client:z", "token:2"], 10)).toBe(0);
  });

  it("does nothing when turned off, and forgets the oldest keys beyond its bound", () => {
    const off = new FailureLimiter({ limit: 0, windowMs: 1000, maxKeys: 10 });
    for (let i = 0; i < 100; i++) expect(off.fail(["a"], 0)).toBe(0);
    const small = new FailureLimiter({ limit: 1, windowMs: 1000, maxKeys: 2 });
    small.fail(["a"], 0);
    small.fail(["b"], 0);
    small.fail(["c"], 0);
    // "a" was forgotten: it starts afresh, while "c" is past its limit.
    expect([small.fail(["c"], 1), small.fail(["a"], 1)]).toEqual([999, 0]);
  });
});
