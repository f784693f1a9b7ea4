// Leak response: a token reported as exposed, by anyone through ReportLeakedTokens or by GitHub's
// secret scanning through its signed partner alerts (built and signed here, with keys published by
// a local stand-in for GitHub's key list), is revoked at once, audited where it belongs, and never
// restored; the public answer says nothing about what was reported.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { LeakService } from "../../gen/tessera/identity/v1/leak_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { hashToken } from "../../services/identity/domain/token-format.ts";
import { fieldOf, reasonOf, rejection, verdict } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let keyList: http.Server;
const github = { id: "gh-key-1", ...generateKeyPairSync("ec", { namedCurve: "prime256v1" }) };
const published = [github];

beforeAll(async () => {
  keyList = http.createServer((_req, res) => {
    const keys = published.map((k) => ({ key_identifier: k.id, key: k.publicKey.export({ type: "spki", format: "pem" }), is_current: true }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ public_keys: keys }));
  });
  await new Promise<void>((resolve) => keyList.listen(0, "127.0.0.1", resolve));
  const keysUrl = `http://127.0.0.1:${(keyList.address() as AddressInfo).port}/meta/public_keys/secret_scanning`;
  h = await startHarness({ env: { TESSERA_GITHUB_SCANNING_KEYS_URL: keysUrl, TESSERA_GITHUB_SCANNING_KEYS_COOLDOWN_MS: "0", TESSERA_LEAK_REPORTS_PER_MINUTE: "1000" } });
});
afterAll(async () => {
  keyList.close();
  await h.close();
});

const validity = async (token: string) => verdict(await h.client(VerifyService).verify({ token }));
const report = (tokens: { token: string; url?: string }[]) => h.client(LeakService, null).reportLeakedTokens({ tokens });

/** POSTs an alert as GitHub does: the body signed with `key` (DER ECDSA, SHA-256, base64). */
async function alert(body: string, options: { key?: { id: string; privateKey: KeyObject }; signature?: string; method?: string } = {}) {
  const key = options.key ?? github;
  const headers: http2.OutgoingHttpHeaders = {
    ":method": options.method ?? "POST",
    ":path": "/v1/leaks/github",
    "content-type": "application/json",
    "github-public-key-identifier": key.id,
    "github-public-key-signature": options.signature ?? sign("sha256", Buffer.from(body), key.privateKey).toString("base64"),
  };
  const session = http2.connect(h.url);
  try {
    return await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const stream = session.request(headers);
      let status = 0;
      let text = "";
      stream.on("response", (head) => (status = Number(head[":status"])));
      stream.on("data", (chunk) => (text += String(chunk)));
      stream.on("end", () => resolve({ status, body: text ? JSON.parse(text) : undefined }));
      stream.on("error", reject);
      stream.end(options.method === "GET" ? undefined : body);
    });
  } finally {
    session.close();
  }
}

describe("ReportLeakedTokens", () => {
  it("revokes a live token with the reason leaked, audited in its organisation with where it was found", async () => {
    const bot = await h.provision("leaky-bot", [{ role: "viewer", allEnvironments: true }]);
    expect(await report([{ token: bot.token, url: "https://paste.example.com/abc" }])).toMatchObject({});
    expect(await validity(bot.token)).toBe("revoked");
    const { token } = await h.client(TokenService).getToken({ id: bot.tokenId });
    expect(token!.revokeReason).toBe("leaked");
    const { events } = await h.client(AuditService).listAuditEvents({ action: "token.leak", target: bot.tokenId });
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toContain("https://paste.example.com/abc");
    expect(events[0]!.detail).toContain("revoked");
  });

  it("never lets a leaked token be restored", async () => {
    const bot = await h.provision("restore-bot", [{ role: "viewer", allEnvironments: true }]);
    await report([{ token: bot.token }]);
    const error = await rejection(h.client(TokenService).restoreToken({ id: bot.tokenId }));
    expect([error.code, reasonOf(error)]).toEqual([Code.FailedPrecondition, "leaked"]);
    expect(await validity(bot.token)).toBe("revoked");
  });

  it("answers the same for a token, an unknown token-shaped string and random text, over every protocol", async () => {
    const bot = await h.provision("quiet-bot", [{ role: "viewer", allEnvironments: true }]);
    const answers = [];
    for (const protocol of ["connect", "grpc", "grpc-web"] as const) {
      const client = h.client(LeakService, null, protocol);
      answers.push(await client.reportLeakedTokens({ tokens: [{ token: bot.token }] }));
      answers.push(await client.reportLeakedTokens({ tokens: [{ token: `tsr_${"0".repeat(49)}` }] }));
      answers.push(await client.reportLeakedTokens({ tokens: [{ token: "hello world" }] }));
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it("audits a report of a token that was no longer active, which then can never be restored", async () => {
    const bot = await h.provision("old-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId, reason: "rotated" });
    await report([{ token: bot.token, url: "https://example.com/log" }]);
    const { token } = await h.client(TokenService).getToken({ id: bot.tokenId });
    expect(token!.revokeReason).toBe("rotated");
    const { events } = await h.client(AuditService).listAuditEvents({ action: "token.leak", target: bot.tokenId });
    expect(events[0]!.detail).toContain("no longer active");
    const error = await rejection(h.client(TokenService).restoreToken({ id: bot.tokenId }));
    expect([error.code, reasonOf(error)]).toEqual([Code.FailedPrecondition, "leaked"]);
  });

  it("checks every report before acting on any", async () => {
    const bot = await h.provision("batch-bot", [{ role: "viewer", allEnvironments: true }]);
    const error = await rejection(report([{ token: bot.token }, { token: "x", url: "bad\u0000url" }]));
    expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, "tokens[1].url"]);
    expect(await validity(bot.token)).toBe("valid");
  });

  it("refuses more than 100 reports at once, naming the field", async () => {
    const error = await rejection(report(Array.from({ length: 101 }, () => ({ token: "x" }))));
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it("is rate limited per client", async () => {
    const limited = await startHarness({ env: { TESSERA_LEAK_REPORTS_PER_MINUTE: "2" } });
    try {
      const client = limited.client(LeakService, null);
      await client.reportLeakedTokens({ tokens: [{ token: "a" }] });
      await client.reportLeakedTokens({ tokens: [{ token: "b" }] });
      const error = await rejection(client.reportLeakedTokens({ tokens: [{ token: "c" }] }));
      expect([error.code, reasonOf(error)]).toEqual([Code.ResourceExhausted, "rate_limited"]);
    } finally {
      await limited.close();
    }
  });
});

describe("GitHub secret scanning alerts", () => {
  it("revoke the reported tokens of every organisation and label them by hash as GitHub expects", async () => {
    const acmeBot = await h.provision("scanned-bot", [{ role: "viewer", allEnvironments: true }]);
    const globexBot = await h.provision("scanned-bot", [{ role: "viewer", allEnvironments: true }], "globex");
    const stranger = `tsr_${"A".repeat(49)}`;
    const alerts = [
      { token: acmeBot.token, type: "tessera_token", url: "https://github.com/acme/app/blob/abc/.env", source: "commit" },
      { token: globexBot.token, type: "tessera_token", url: "https://gist.github.com/x", source: "gist" },
      { token: stranger, type: "tessera_token", url: "", source: "commit" },
    ];
    const response = await alert(JSON.stringify(alerts));
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { token_hash: hashToken(acmeBot.token), token_type: "tessera_token", label: "true_positive" },
      { token_hash: hashToken(globexBot.token), token_type: "tessera_token", label: "true_positive" },
      { token_hash: hashToken(stranger), token_type: "tessera_token", label: "false_positive" },
    ]);
    expect(await validity(acmeBot.token)).toBe("revoked");
    const globexEvents = await h.client(AuditService, h.globex.token).listAuditEvents({ action: "token.leak", target: globexBot.tokenId });
    expect(globexEvents.events[0]).toMatchObject({ channel: "github-secret-scanning" });
    expect(globexEvents.events[0]!.detail).toContain("github:gist");
    // Nothing of globex's reaches acme's trail.
    expect((await h.client(AuditService).listAuditEvents({ target: globexBot.tokenId })).events).toEqual([]);
  });

  it("refuse unsigned, forged and wrongly keyed alerts, changing nothing", async () => {
    const bot = await h.provision("forged-bot", [{ role: "viewer", allEnvironments: true }]);
    const body = JSON.stringify([{ token: bot.token, type: "tessera_token", url: "", source: "commit" }]);
    const attacker = { id: github.id, ...generateKeyPairSync("ec", { namedCurve: "prime256v1" }) };
    expect((await alert(body, { key: attacker })).status).toBe(401);
    expect((await alert(body, { key: { ...attacker, id: "unknown-key" } })).status).toBe(401);
    expect((await alert(body, { signature: "bm90IGEgc2lnbmF0dXJl" })).status).toBe(401);
    const signedOther = sign("sha256", Buffer.from("[]"), github.privateKey).toString("base64");
    expect((await alert(body, { signature: signedOther })).status).toBe(401);
    expect(await validity(bot.token)).toBe("valid");
  });

  it("answer malformed alerts 400 and other methods 405", async () => {
    expect((await alert(JSON.stringify({ token: "x" }))).status).toBe(400);
    expect((await alert("not json")).status).toBe(400);
    expect((await alert("", { method: "GET" })).status).toBe(405);
  });

  it("follow GitHub's key rotation", async () => {
    const next = { id: "gh-key-2", ...generateKeyPairSync("ec", { namedCurve: "prime256v1" }) };
    published.push(next);
    const bot = await h.provision("rotated-key-bot", [{ role: "viewer", allEnvironments: true }]);
    const response = await alert(JSON.stringify([{ token: bot.token, type: "tessera_token", url: "", source: "commit" }]), { key: next });
    expect(response.status).toBe(200);
    expect(await validity(bot.token)).toBe("revoked");
  });
});
