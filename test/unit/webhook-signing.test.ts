// Webhook signing and where deliveries may go: the verification snippet of docs/webhooks.md accepts
// what the service signs and nothing else; secrets derive from the master key file alone; URLs and
// addresses that would turn webhooks into a way into the service's own network are refused.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addressProblem, guardedLookup, urlProblem } from "../../services/identity/outbound/guard.ts";
import { signatureHeader, WebhookKeys } from "../../services/identity/webhooks/signing.ts";
import { backoffMs } from "../../services/identity/webhooks/worker.ts";
import { verifyTesseraSignature } from "../support/webhook-receiver.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-webhook-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/webhooks.md's verification", () => {
  const secret = new WebhookKeys(join(dir, "docs.key")).secretOf("wh_0123456789abcdef01234567");
  const body = JSON.stringify({ id: "whd_1", type: "token.revoked", data: { token: { id: "tok_1" } } });
  const now = Date.now();

  it("accepts what the service signs, within 5 minutes either way", () => {
    expect(verifyTesseraSignature(secret, signatureHeader(secret, body, now), body, now)).toBe(true);
    expect(verifyTesseraSignature(secret, signatureHeader(secret, body, now - 299_000), body, now)).toBe(true);
    expect(verifyTesseraSignature(secret, signatureHeader(secret, body, now + 299_000), body, now)).toBe(true);
  });

  it("refuses another body, another secret, a stale or future timestamp, and malformed headers", () => {
    const header = signatureHeader(secret, body, now);
    expect(verifyTesseraSignature(secret, header, body.replace("tok_1", "tok_2"), now)).toBe(false);
    expect(verifyTesseraSignature(`${secret}x`, header, body, now)).toBe(false);
    expect(verifyTesseraSignature(secret, signatureHeader(secret, body, now - 301_000), body, now)).toBe(false);
    expect(verifyTesseraSignature(secret, signatureHeader(secret, body, now + 301_000), body, now)).toBe(false);
    // The timestamp is signed: moving it forward breaks the signature.
    const t = Math.floor(now / 1000);
    expect(verifyTesseraSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, now)).toBe(false);
    for (const bad of [undefined, "", "t=abc,v1=00", `t=${t}`, `v1=${header.split("v1=")[1]}`, `t=${t},v1=zz`]) {
      expect(verifyTesseraSignature(secret, bad, body, now)).toBe(false);
    }
  });
});

describe("webhook secrets", () => {
  it("derive from the key file: the same for one id, distinct across ids and keys; the file is created 0600", () => {
    const file = join(dir, "nested", "webhook.key");
    const secret = new WebhookKeys(file).secretOf("wh_a");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
    expect(new WebhookKeys(file).secretOf("wh_a")).toBe(secret);
    expect(new WebhookKeys(file).secretOf("wh_b")).not.toBe(secret);
    expect(new WebhookKeys(join(dir, "other.key")).secretOf("wh_a")).not.toBe(secret);
  });

  it("refuse a key file too short to be a key, without showing its content", () => {
    const file = join(dir, "short.key");
    writeFileSync(file, Buffer.from("tiny-key-material").toString("base64"));
    expect(() => new WebhookKeys(file).secretOf("wh_a")).toThrow(/at least 32 bytes/);
    expect(() => new WebhookKeys(file).secretOf("wh_a")).not.toThrow(/tiny/);
  });
});

describe("webhook endpoints", () => {
  const strict = { allowLoopbackHttp: false, allowPrivateAddresses: false };
  const loopback = { allowLoopbackHttp: true, allowPrivateAddresses: false };
  const intranet = { allowLoopbackHttp: false, allowPrivateAddresses: true };

  it("must be https without credentials; plain http only on loopback when allowed", () => {
    expect(urlProblem("https://hooks.example.com/tessera?team=a", strict)).toBeUndefined();
    expect(urlProblem("http://hooks.example.com/x", loopback)).toBe("must be an https URL");
    expect(urlProblem("http://127.0.0.1:9000/x", strict)).toBe("must be an https URL");
    expect(urlProblem("http://127.0.0.1:9000/x", loopback)).toBeUndefined();
    expect(urlProblem("http://localhost:9000/x", loopback)).toBeUndefined();
    expect(urlProblem("http://[::1]:9000/x", loopback)).toBeUndefined();
    expect(urlProblem("https://a:b@hooks.example.com/", strict)).toMatch(/credentials/);
    expect(urlProblem("https://hooks.example.com/#x", strict)).toMatch(/fragment/);
    expect(urlProblem("gopher://hooks.example.com/", strict)).toBe("must be an https URL");
    expect(urlProblem(`https://hooks.example.com/${"a".repeat(2048)}`, strict)).toMatch(/2048/);
  });

  it("never reach loopback, private or link-local addresses unless the operator allows it", () => {
    for (const address of ["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.5", "::ffff:127.0.0.1"]) {
      expect(addressProblem(address, strict), address).toBeDefined();
      expect(addressProblem(address, intranet), address).toBeUndefined();
    }
    expect(addressProblem("127.0.0.1", loopback)).toBeUndefined();
    expect(addressProblem("10.0.0.5", loopback)).toBeDefined();
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]) expect(addressProblem(address, strict), address).toBeUndefined();
    expect(urlProblem("https://169.254.169.254/latest/meta-data/", strict)).toMatch(/not a public address/);
  });

  it("check the addresses a name resolves to, where the connection is made", async () => {
    const resolve = (policy: typeof strict) =>
      new Promise<{ code?: string; addresses: unknown }>((done) =>
        guardedLookup(policy)("localhost", { all: true }, (error, addresses) => done({ code: (error as NodeJS.ErrnoException | null)?.code, addresses })),
      );
    expect((await resolve(strict)).code).toBe("EADDRNOTALLOWED");
    const allowed = await resolve(loopback);
    expect(allowed.code).toBeUndefined();
    expect(allowed.addresses).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.|::1$)/) })]));
    expect(urlProblem("https://[::ffff:10.0.0.1]/", strict)).toMatch(/not a public address/);
  });
});

describe("retry backoff", () => {
  it("doubles from the base, jittered down by at most half, capped at an hour", () => {
    expect(backoffMs(1, 10_000, 1)).toBe(10_000);
    expect(backoffMs(1, 10_000, 0)).toBe(5000);
    expect(backoffMs(4, 10_000, 1)).toBe(80_000);
    expect(backoffMs(20, 10_000, 1)).toBe(3_600_000);
    expect(backoffMs(20, 10_000, 0)).toBe(1_800_000);
  });
});
