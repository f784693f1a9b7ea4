import { describe, expect, it } from "vitest";
import { IdentityError } from "./errors.ts";
import { expiryFor, formatDuration } from "./token-policy.ts";
import { assertDeletable, assertRestorable, assertRotatable, tokenState } from "./token-state.ts";

const now = new Date("2026-06-01T12:00:00Z");
const later = new Date(now.getTime() + 1000);
const earlier = new Date(now.getTime() - 1000);
const reasonOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as IdentityError).reason;
  }
  return "ok";
};

describe("token state", () => {
  it("is revoked over expired over active", () => {
    expect(tokenState({ expireTime: null, revokeTime: null }, now)).toBe("active");
    expect(tokenState({ expireTime: later, revokeTime: null }, now)).toBe("active");
    expect(tokenState({ expireTime: now, revokeTime: null }, now)).toBe("expired");
    expect(tokenState({ expireTime: earlier, revokeTime: earlier }, now)).toBe("revoked");
  });

  it("restores only revoked, unexpired tokens of active accounts", () => {
    expect(reasonOf(() => assertRestorable({ expireTime: null, revokeTime: earlier }, true, now))).toBe("ok");
    expect(reasonOf(() => assertRestorable({ expireTime: null, revokeTime: null }, true, now))).toBe("not_revoked");
    expect(reasonOf(() => assertRestorable({ expireTime: earlier, revokeTime: earlier }, true, now))).toBe("expired");
    expect(reasonOf(() => assertRestorable({ expireTime: null, revokeTime: earlier }, false, now))).toBe("account_disabled");
  });

  it("deletes only tokens that can no longer be used", () => {
    expect(reasonOf(() => assertDeletable({ expireTime: null, revokeTime: null }, now))).toBe("token_active");
    expect(reasonOf(() => assertDeletable({ expireTime: earlier, revokeTime: null }, now))).toBe("ok");
    expect(reasonOf(() => assertDeletable({ expireTime: null, revokeTime: earlier }, now))).toBe("ok");
  });

  it("rotates only active tokens not rotated yet", () => {
    expect(reasonOf(() => assertRotatable({ expireTime: null, revokeTime: null, rotatedTo: null }, now))).toBe("ok");
    expect(reasonOf(() => assertRotatable({ expireTime: null, revokeTime: null, rotatedTo: "x" }, now))).toBe("already_rotated");
    expect(reasonOf(() => assertRotatable({ expireTime: null, revokeTime: earlier, rotatedTo: null }, now))).toBe("token_inactive");
  });
});

describe("token policy", () => {
  const hour = 3_600_000;

  it("uses the ttl asked for, else the default, else the maximum, else no expiry", () => {
    expect(expiryFor({ maxTtlMs: null, defaultTtlMs: null }, undefined, now)).toBeNull();
    expect(expiryFor({ maxTtlMs: null, defaultTtlMs: null }, hour, now)).toEqual(new Date(now.getTime() + hour));
    expect(expiryFor({ maxTtlMs: 5 * hour, defaultTtlMs: 2 * hour }, undefined, now)).toEqual(new Date(now.getTime() + 2 * hour));
    expect(expiryFor({ maxTtlMs: 5 * hour, defaultTtlMs: null }, undefined, now)).toEqual(new Date(now.getTime() + 5 * hour));
  });

  it("refuses a ttl over the maximum, saying what the maximum is", () => {
    expect(() => expiryFor({ maxTtlMs: 90 * 24 * hour, defaultTtlMs: null }, 91 * 24 * hour, now)).toThrow(/maximum token lifetime of 90d/);
  });

  it("formats durations readably", () => {
    expect(formatDuration(90 * 60_000)).toBe("1h30m");
    expect(formatDuration(500)).toBe("500ms");
  });
});
