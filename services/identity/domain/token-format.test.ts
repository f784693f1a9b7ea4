import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashToken, isWellFormed, issueToken } from "./token-format.ts";

describe("token format", () => {
  it("issues <prefix>_<43 base62><6 base62 checksum> with a hash and a 4-character hint", () => {
    const issued = issueToken("tsr");
    expect(issued.secret).toMatch(/^tsr_[0-9A-Za-z]{49}$/);
    expect(issued.hint).toBe(issued.secret.slice(-4));
    expect(issued.hash).toBe(hashToken(issued.secret));
    expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(isWellFormed(issued.secret, "tsr")).toBe(true);
  });

  it("never repeats a secret", () => {
    const secrets = new Set(Array.from({ length: 2000 }, () => issueToken("tsr").secret));
    expect(secrets.size).toBe(2000);
  });

  it("rejects every single-character change, truncation and extension by checksum or shape", () => {
    const { secret } = issueToken("tsr");
    for (let i = 4; i < secret.length; i++) {
      const replacement = secret[i] === "a" ? "b" : "a";
      expect(isWellFormed(secret.slice(0, i) + replacement + secret.slice(i + 1), "tsr")).toBe(false);
    }
    expect(isWellFormed(secret.slice(0, -1), "tsr")).toBe(false);
    expect(isWellFormed(`${secret}a`, "tsr")).toBe(false);
  });

  it("rejects other prefixes, characters outside base62 and junk", () => {
    const { secret } = issueToken("tsr");
    expect(isWellFormed(secret, "abc")).toBe(false);
    expect(isWellFormed(`abc${secret.slice(3)}`, "tsr")).toBe(false);
    expect(isWellFormed(secret.replace(/.(?=.{10}$)/, "-"), "tsr")).toBe(false);
    for (const junk of ["", "tsr_", "Bearer x", "tsr_" + "é".repeat(49), "\u0000".repeat(53)]) {
      expect(isWellFormed(junk, "tsr")).toBe(false);
    }
  });

  it("never throws and never accepts arbitrary text (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })), (text) => {
        expect(isWellFormed(text, "tsr")).toBe(false);
        expect(isWellFormed(`tsr_${text}`, "tsr")).toBe(false);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000), seed: 20261123 },
    );
  });

  it("rejects any single change to a real token (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 52 }), fc.string({ minLength: 1, maxLength: 1 }), (at, replacement) => {
        const { secret } = issueToken("tsr");
        fc.pre(secret[at] !== replacement);
        expect(isWellFormed(secret.slice(0, at) + replacement + secret.slice(at + 1), "tsr")).toBe(false);
      }),
      { numRuns: 500, seed: 20261123 },
    );
  });

  it("supports a configured prefix", () => {
    const { secret } = issueToken("acme");
    expect(secret.startsWith("acme_")).toBe(true);
    expect(isWellFormed(secret, "acme")).toBe(true);
    expect(isWellFormed(secret, "tsr")).toBe(false);
  });
});
