import { describe, expect, it } from "vitest";
import { wildcardMatch } from "./wildcard.ts";

describe("wildcardMatch", () => {
  it("matches literally without stars, and a star as any run of characters", () => {
    const cases: [string, string, boolean][] = [
      ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:ref:refs/heads/main", true],
      ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:ref:refs/heads/mainx", false],
      ["repo:acme/api:ref:refs/heads/*", "repo:acme/api:ref:refs/heads/feature/x", true],
      ["repo:acme/api:ref:refs/heads/*", "repo:acme/apix:ref:refs/heads/dev", false],
      ["*", "", true],
      ["*", "anything at all", true],
      ["a*", "a", true],
      ["*b", "b", true],
      ["a*b", "ab", true],
      ["a*b", "axxb", true],
      ["a*b", "axxbc", false],
      ["a*a", "a", false],
      ["aa*aa", "aaa", false],
      ["aa*aa", "aaaa", true],
      ["*x*y*", "yx", false],
      ["*x*y*", "axbyc", true],
      ["a**b", "ab", true],
      ["a.c", "abc", false],
      ["(x)*[y]", "(x) and [y]", true],
      ["", "", true],
      ["", "a", false],
    ];
    for (const [pattern, value, expected] of cases) expect([pattern, value, wildcardMatch(pattern, value)]).toEqual([pattern, value, expected]);
  });

  // A backtracking matcher (a regular expression) does not finish these within the test's timeout.
  it("answers patterns with many stars against long values", () => {
    const pattern = `${"a*".repeat(200)}X`;
    const value = "a".repeat(16_000);
    expect(wildcardMatch(pattern, value)).toBe(false);
    expect(wildcardMatch(pattern, `${value}X`)).toBe(true);
  });
});
