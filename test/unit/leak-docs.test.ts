// docs/leaks.md tells secret scanners how to recognise a Tessera token: its regular expression and
// checksum snippet, taken from the document itself, must accept every issued token and refuse
// tokens with one character changed.
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { issueToken } from "../../services/identity/domain/token-format.ts";

const doc = readFileSync(new URL("../../docs/leaks.md", import.meta.url), "utf8");
const blocks = [...doc.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]!.trim() }));
const pattern = new RegExp(blocks.find((b) => b.lang === "")!.text);
const snippet = blocks.find((b) => b.lang === "js")!.text.replace(/^import .*\n/, "");
const looksReal = new Function("crc32", `${snippet}\nreturn looksReal;`)(crc32) as (token: string) => boolean;

describe("docs/leaks.md", () => {
  it("recognises issued tokens and refuses altered ones", () => {
    for (let i = 0; i < 200; i++) {
      const { secret } = issueToken("tsr");
      expect(pattern.test(` ${secret} `)).toBe(true);
      expect(looksReal(secret)).toBe(true);
      const at = 4 + (i % 49);
      const altered = secret.slice(0, at) + (secret[at] === "a" ? "b" : "a") + secret.slice(at + 1);
      expect(looksReal(altered)).toBe(false);
    }
  });
});
