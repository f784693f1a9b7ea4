import { describe, expect, it } from "vitest";
import { IdentityError } from "./errors.ts";
import { decodePageToken, encodePageToken } from "./page-token.ts";
import * as valid from "./validation.ts";

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as IdentityError).field;
  }
  return undefined;
};

describe("field validation", () => {
  it("accepts account names of the documented pattern only", () => {
    for (const ok of ["ci-bot", "a1", "0day", "x".repeat(63)]) expect(valid.name("name", ok)).toBe(ok);
    for (const bad of ["", "a", "-bot", "Bot", "bot_1", "x".repeat(64), "bot!"]) expect(fieldOf(() => valid.name("name", bad))).toBe("name");
  });

  it("bounds free text and refuses control characters", () => {
    expect(valid.text("description", "  padded  ", 10)).toBe("padded");
    expect(fieldOf(() => valid.text("description", "x".repeat(11), 10))).toBe("description");
    expect(fieldOf(() => valid.text("label", "a\u0000b", 10))).toBe("label");
    // C1 controls (CSI), separators, bidirectional overrides and isolates: text that shows other than it is.
    for (const bad of ["a\u009b31m", "a\u0085b", "a\u2028b", "a\u202eb", "a\u2066b"]) expect(fieldOf(() => valid.text("description", bad, 10))).toBe("description");
    // Letters of every script, emoji sequences and right-to-left text stay.
    for (const good of ["Zoë", "日本語", "👩‍👩‍👧", "שלום"]) expect(valid.text("description", good, 10)).toBe(good);
    expect(fieldOf(() => valid.text("label", "   ", 10, true))).toBe("label");
  });

  it("names the item of a list at fault and drops duplicates", () => {
    expect(valid.list("permissions", ["accounts.read", "accounts.read", "deploy:write"], valid.permission)).toEqual(["accounts.read", "deploy:write"]);
    expect(fieldOf(() => valid.list("permissions", ["accounts.read", "A B"], valid.permission))).toBe("permissions[1]");
  });

  it("refuses identity permissions that do not exist, keeping application ones free", () => {
    expect(fieldOf(() => valid.permission("permissions[0]", "nonsense.perm"))).toBe("permissions[0]");
    expect(valid.permission("p", "billing:read")).toBe("billing:read");
    expect(valid.permission("p", "*")).toBe("*");
  });

  it("refuses secret-shaped free text", () => {
    expect(fieldOf(() => valid.text("reason", `leaked tsr_${"a".repeat(49)}`, 256))).toBe("reason");
    expect(fieldOf(() => valid.list("audiences", Array(101).fill("x"), valid.audience))).toBe("audiences");
  });

  it("parses typed ids", () => {
    expect(valid.resourceId("id", "sa_0123456789abcdef01234567", "sa")).toBe("0123456789abcdef01234567");
    expect(fieldOf(() => valid.resourceId("id", "tok_0123456789abcdef01234567", "sa"))).toBe("id");
    expect(fieldOf(() => valid.resourceId("id", "sa_0123456789ABCDEF01234567", "sa"))).toBe("id");
  });

  it("checks page sizes and durations", () => {
    expect(valid.pageSize("page_size", 0)).toBe(valid.defaultPageSize);
    expect(fieldOf(() => valid.pageSize("page_size", 1001))).toBe("page_size");
    expect(valid.duration("ttl", { seconds: 2n, nanos: 5e8 }, false)).toBe(2500);
    expect(valid.duration("ttl", undefined, false)).toBeUndefined();
    expect(fieldOf(() => valid.duration("ttl", { seconds: 0n, nanos: 0 }, false))).toBe("ttl");
    expect(valid.duration("grace_period", { seconds: 0n, nanos: 0 }, true)).toBe(0);
    expect(fieldOf(() => valid.duration("ttl", { seconds: 10n ** 12n, nanos: 0 }, false))).toBe("ttl");
  });
});

describe("page tokens", () => {
  it("round-trip and are bound to their filters", () => {
    const scope = { list: "accounts", org: "acme", filters: { role: "viewer" } };
    const token = encodePageToken("abc", scope);
    expect(decodePageToken(token, scope)).toBe("abc");
    expect(decodePageToken("", scope)).toBeUndefined();
    expect(fieldOf(() => decodePageToken(token, { ...scope, filters: { role: "admin" } }))).toBe("page_token");
    // Another list's, or another organisation's, is refused too.
    expect(fieldOf(() => decodePageToken(token, { ...scope, list: "audit_events" }))).toBe("page_token");
    expect(fieldOf(() => decodePageToken(token, { ...scope, org: "globex" }))).toBe("page_token");
    expect(fieldOf(() => decodePageToken("%%%", scope))).toBe("page_token");
    expect(fieldOf(() => decodePageToken(Buffer.from("[1]").toString("base64url"), scope))).toBe("page_token");
  });
});
