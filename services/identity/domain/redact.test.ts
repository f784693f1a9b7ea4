import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebhookKeys } from "../webhooks/signing.ts";
import { issueToken } from "./token-format.ts";
import { redact, redacted } from "./redact.ts";

describe("redact", () => {
  it("replaces bearer tokens and webhook signing secrets wherever they stand, whole", () => {
    for (let i = 0; i < 200; i++) {
      const token = issueToken("tsr").secret;
      expect(redact(`reason: ${token}.`)).toBe(`reason: ${redacted}.`);
    }
    const keys = new WebhookKeys(join(mkdtempSync(join(tmpdir(), "tessera-keys-")), "webhook.key"));
    for (let i = 0; i < 200; i++) {
      const secret = keys.secretOf(`wh_${i.toString(16).padStart(24, "0")}`);
      expect(redact(`pasted ${secret} here`)).toBe(`pasted ${redacted} here`);
    }
  });

  it("leaves ids and ordinary text alone", () => {
    const text = "sa_0123456789abcdef01234567 rotated by ci_deploy_bot for the build-and-release pipeline";
    expect(redact(text)).toBe(text);
  });
});
