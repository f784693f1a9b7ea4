// Lifecycle webhooks end to end: a receiver on loopback checks every delivery's signature as
// docs/webhooks.md says; changes (revoke, rotate, leak, disable, delete) and the lifecycle scan
// (expiring, expired, unused) each deliver one signed event; failures are retried with backoff and
// given up; two instances over one database deliver each event once; tenants are isolated.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeakService } from "../../gen/tessera/identity/v1/leak_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { WebhookDeliveryStatus, WebhookService, type WebhookDelivery } from "../../gen/tessera/identity/v1/webhook_pb.ts";
import { createApp } from "../../services/identity/app.ts";
import { openStore } from "../../services/identity/store/store.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { testConfig } from "../support/service-tuning.ts";
import { startReceiver, type Received, type Receiver } from "../support/webhook-receiver.ts";

const day = 86_400_000;
const keyDir = mkdtempSync(join(tmpdir(), "tessera-webhooks-"));
// Fast timers: deliveries polled every 50 ms, the lifecycle scan every 200 ms, retries after ~100 ms.
const env = {
  TESSERA_WEBHOOK_ALLOW_LOOPBACK_HTTP: "true",
  TESSERA_WEBHOOK_KEY_FILE: join(keyDir, "webhook.key"),
  TESSERA_WEBHOOK_POLL_MS: "50",
  TESSERA_WEBHOOK_SCAN_MS: "200",
  TESSERA_WEBHOOK_RETRY_BASE_MS: "100",
  TESSERA_WEBHOOK_MAX_ATTEMPTS: "3",
};

let h: Harness;
let receiver: Receiver;
const secrets: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  h = await startHarness({ env });
});
afterAll(async () => {
  await h.close();
  await receiver.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const webhooks = (token = h.acme.token) => h.client(WebhookService, token);

/** A webhook of acme at `path` on the receiver, whose deliveries the receiver checks. */
async function subscribe(path: string, events: string[], extra: { unusedDays?: number } = {}) {
  const created = await webhooks().createWebhook({ url: `${receiver.url}${path}`, events, ...extra });
  receiver.expect(path, created.secret);
  secrets.push(created.secret);
  return created;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const at = (path: string) => receiver.received.filter((r) => r.path === path);

/** The one delivery of `event` about `subject` at `path`, once it arrived; fails on a second one. */
async function delivered(path: string, event: string, subject: string): Promise<Received> {
  const match = (r: Received) => r.event === event && (r.body.data.token as { id?: string } | undefined)?.id === subject;
  const accountMatch = (r: Received) => r.event === event && (r.body.data.serviceAccount as { id?: string } | undefined)?.id === subject;
  const found = await until(`${event} for ${subject} at ${path}`, () => at(path).find((r) => match(r) || accountMatch(r)));
  expect(found.verified).toBe(true);
  expect(found.body).toMatchObject({ type: event, organization: "acme", id: found.delivery });
  return found;
}

async function deliveriesOf(webhookId: string, token = h.acme.token): Promise<WebhookDelivery[]> {
  return (await webhooks(token).listWebhookDeliveries({ webhookId })).deliveries;
}

describe("managing webhooks", () => {
  it("returns the secret once; lists never show it", async () => {
    const { webhook, secret } = await subscribe("/managed", ["token.revoked"]);
    expect(webhook!.id).toMatch(/^wh_[0-9a-f]{24}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({ url: `${receiver.url}/managed`, events: ["token.revoked"], unusedDays: 30 });
    const listed = await webhooks().listWebhooks({});
    expect(listed.webhooks.map((w) => w.id)).toContain(webhook!.id);
    expect(JSON.stringify(listed, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(secret);
    // The master key file is the service's only secret, readable by its user alone.
    expect(statSync(env.TESSERA_WEBHOOK_KEY_FILE).mode & 0o777).toBe(0o600);
  });

  it("refuses bad URLs, unknown events and bad day counts, naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: "http://hooks.example.com/x" }, "url"],
      [{ url: "https://user:pw@hooks.example.com/x" }, "url"],
      [{ url: "https://10.1.2.3/x" }, "url"],
      [{ url: "https://169.254.169.254/latest/meta-data" }, "url"],
      [{ url: "ftp://hooks.example.com/x" }, "url"],
      [{ url: "not a url" }, "url"],
      [{ events: [] }, "events"],
      [{ events: ["token.stolen"] }, "events[0]"],
      [{ unusedDays: -1 }, "unused_days"],
    ];
    for (const [overrides, field] of cases) {
      const error = await rejection(webhooks().createWebhook({ url: "https://hooks.example.com/x", events: ["token.revoked"], ...overrides }));
      expect([error.code, fieldOf(error)], JSON.stringify(overrides)).toEqual([Code.InvalidArgument, field]);
    }
  });

  it("needs org.write to manage and audit.read to read; other organisations see nothing", async () => {
    const { webhook } = await subscribe("/private", ["token.revoked"]);
    const analyst = await h.provision("analyst", [{ role: "security-analyst", allEnvironments: true }]);
    const viewer = await h.provision("viewer", [{ role: "viewer", allEnvironments: true }]);
    expect((await rejection(webhooks(analyst.token).createWebhook({ url: "https://hooks.example.com/x", events: ["token.revoked"] }))).code).toBe(
      Code.PermissionDenied,
    );
    expect((await rejection(webhooks(analyst.token).deleteWebhook({ id: webhook!.id }))).code).toBe(Code.PermissionDenied);
    // org.write alone does not make a subscriber: a webhook receives what the audit trail records.
    await h.client(RoleService).createRole({ name: "org-writer", permissions: ["org.write"] });
    const orgWriter = await h.provision("org-writer", [{ role: "org-writer", allEnvironments: true }]);
    const unread = await rejection(webhooks(orgWriter.token).createWebhook({ url: "https://hooks.example.com/y", events: ["token.revoked"] }));
    expect([unread.code, unread.rawMessage]).toEqual([Code.PermissionDenied, expect.stringContaining("audit.read")]);
    expect((await webhooks(analyst.token).listWebhooks({})).webhooks.length).toBeGreaterThan(0);
    expect((await rejection(webhooks(viewer.token).listWebhooks({}))).code).toBe(Code.PermissionDenied);
    expect((await rejection(webhooks(viewer.token).listWebhookDeliveries({}))).code).toBe(Code.PermissionDenied);
    expect((await webhooks(h.globex.token).listWebhooks({})).webhooks).toEqual([]);
    expect(await deliveriesOf(webhook!.id, h.globex.token)).toEqual([]);
    expect((await rejection(webhooks(h.globex.token).deleteWebhook({ id: webhook!.id }))).code).toBe(Code.NotFound);
    expect((await webhooks().listWebhooks({})).webhooks.map((w) => w.id)).toContain(webhook!.id);
  });

  it("allows at most 20 per organisation, also to concurrent creates", async () => {
    const client = webhooks(h.globex.token);
    const create = (i: number) => client.createWebhook({ url: `https://hooks.example.com/${i}`, events: ["account.deleted"] });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => create(i)));
    const made = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.webhook!.id] : []));
    expect(made).toHaveLength(20);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect([r.reason.code, reasonOf(r.reason)]).toEqual([Code.FailedPrecondition, "too_many_webhooks"]);
    }
    expect((await client.listWebhooks({ pageSize: 100 })).webhooks).toHaveLength(20);
    // A deleted webhook's place is free again, once.
    await client.deleteWebhook({ id: made[7]! });
    await create(31);
    expect(reasonOf(await rejection(create(32)))).toBe("too_many_webhooks");
  });

  it("gives webhooks made before places existed a place each when the service starts", async () => {
    const db = h.mongo.db(`${h.dbName}_legacy`);
    const legacy = (org: string) => ({ _id: new ObjectId(), org, url: "https://hooks.example.com/old", events: ["account.deleted"], description: "", unusedDays: 30, createTime: new Date() });
    await db.collection("webhooks").insertMany([legacy("a"), legacy("a"), legacy("b")]);
    await openStore(db);
    const slots = (await db.collection("webhooks").find().sort({ _id: 1 }).toArray()).map((d) => [d.org, d.slot]);
    expect(slots).toEqual([["a", 0], ["a", 1], ["b", 0]]);
    await db.dropDatabase();
  });
});

describe("events of changes", () => {
  it("deliver one signed event each for revoke, rotate, leak, disable and delete", async () => {
    const events = ["token.revoked", "token.rotated", "token.leaked", "account.disabled", "account.deleted"];
    await subscribe("/changes", events);
    const bot = await h.provision("change-bot", [{ role: "viewer", allEnvironments: true }]);
    const tokens = h.client(TokenService);
    const second = await tokens.createToken({ accountId: bot.accountId, label: "second" });
    const third = await tokens.createToken({ accountId: bot.accountId, label: "third" });

    await tokens.revokeToken({ id: bot.tokenId, reason: "no longer needed" });
    const revoked = await delivered("/changes", "token.revoked", bot.tokenId);
    expect(revoked.body.data).toMatchObject({ detail: "no longer needed", token: { serviceAccountId: bot.accountId, label: "test" } });

    const rotated = await tokens.rotateToken({ id: second.token!.id });
    const rotation = await delivered("/changes", "token.rotated", second.token!.id);
    expect(rotation.body.data.replacedBy).toBe(rotated.token!.id);

    await h.client(LeakService, null).reportLeakedTokens({ tokens: [{ token: third.secret, url: "https://github.com/acme/api/commit/1" }] });
    const leaked = await delivered("/changes", "token.leaked", third.token!.id);
    expect(leaked.body.data.detail).toContain("https://github.com/acme/api/commit/1");

    await h.client(ServiceAccountService).disableServiceAccount({ id: bot.accountId });
    await delivered("/changes", "account.disabled", bot.accountId);
    await h.client(ServiceAccountService).deleteServiceAccount({ id: bot.accountId });
    const deleted = await delivered("/changes", "account.deleted", bot.accountId);
    expect(deleted.body.data).toMatchObject({ serviceAccount: { name: "change-bot" }, actor: { accountName: "admin" } });

    // Nothing twice, nothing unsigned, nothing more (deleting revokes the last token without an event of its own).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const got = at("/changes").map((r) => `${r.event} ${String((r.body.data.token as { id?: string } | undefined)?.id ?? (r.body.data.serviceAccount as { id: string }).id)}`);
    expect(got.sort()).toEqual(
      [
        `token.revoked ${bot.tokenId}`,
        `token.rotated ${second.token!.id}`,
        `token.leaked ${third.token!.id}`,
        `account.disabled ${bot.accountId}`,
        `account.deleted ${bot.accountId}`,
      ].sort(),
    );
    expect(at("/changes").every((r) => r.verified)).toBe(true);
  });

  it("are recorded once when a crash makes the relay run again", async () => {
    const { webhook } = await subscribe("/crash", ["token.revoked"]);
    const bot = await h.provision("crash-bot", [{ role: "viewer", allEnvironments: true }]);
    // The process dies after recording the events and before removing the entry from the token.
    const outbox = h.identity.store.outbox;
    const onAudit = outbox.onAudit;
    outbox.onAudit = async (audit, doc) => {
      outbox.onAudit = onAudit;
      await onAudit(audit, doc);
      throw new Error("simulated crash after the events were recorded");
    };
    await rejection(h.client(TokenService).revokeToken({ id: bot.tokenId }));
    await Promise.all([outbox.sweep(), outbox.sweep()]);
    await outbox.sweep();
    await delivered("/crash", "token.revoked", bot.tokenId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at("/crash")).toHaveLength(1);
    expect(await deliveriesOf(webhook!.id)).toHaveLength(1);
  });

  it("are not sent to webhooks that did not subscribe, nor to other organisations", async () => {
    const { webhook } = await subscribe("/only-disable", ["account.disabled"]);
    const globexHook = (await webhooks(h.globex.token).listWebhooks({})).webhooks[0]!;
    const bot = await h.provision("quiet-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    await h.client(ServiceAccountService).deleteServiceAccount({ id: bot.accountId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at("/only-disable")).toEqual([]);
    expect(await deliveriesOf(webhook!.id)).toEqual([]);
    expect(await deliveriesOf(globexHook.id, h.globex.token)).toEqual([]);
  });
});

describe("delivery", () => {
  it("retries with backoff after a failure and shows the delivery as delivered", async () => {
    receiver.answer("/flaky", 500, 200);
    const { webhook } = await subscribe("/flaky", ["token.revoked"]);
    const bot = await h.provision("flaky-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    const [first, second] = await until("two attempts", () => (at("/flaky").length >= 2 ? at("/flaky") : undefined));
    expect(second!.delivery).toBe(first!.delivery);
    expect(second!.body).toEqual(first!.body);
    expect([first!.verified, second!.verified]).toEqual([true, true]);
    // The first retry waits the base delay, jittered down by at most half.
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(50);
    const [shown] = await until("the delivered status", async () => {
      const list = await deliveriesOf(webhook!.id);
      return list[0]?.status === WebhookDeliveryStatus.DELIVERED ? list : undefined;
    });
    expect(shown).toMatchObject({ id: first!.delivery, event: "token.revoked", subject: bot.tokenId, attempts: 2, lastStatusCode: 200, lastError: "" });
    expect(shown!.nextAttemptTime).toBeUndefined();
    expect(at("/flaky")).toHaveLength(2);
  });

  it("gives up after the last attempt", async () => {
    receiver.answer("/down", 503);
    const { webhook } = await subscribe("/down", ["token.revoked"]);
    const bot = await h.provision("down-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    const [failed] = await until("the failed status", async () => {
      const list = (await webhooks().listWebhookDeliveries({ webhookId: webhook!.id, status: WebhookDeliveryStatus.FAILED })).deliveries;
      return list.length > 0 ? list : undefined;
    });
    expect(failed).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: "HTTP 503" });
    expect(at("/down")).toHaveLength(3);
    expect((await webhooks().listWebhookDeliveries({ webhookId: webhook!.id, status: WebhookDeliveryStatus.PENDING })).deliveries).toEqual([]);
  });

  it("never sends a deleted webhook's pending deliveries", async () => {
    receiver.answer("/deleted", 500);
    const { webhook } = await subscribe("/deleted", ["token.revoked"]);
    const bot = await h.provision("deleted-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    await until("the first attempt", () => at("/deleted")[0]);
    await webhooks().deleteWebhook({ id: webhook!.id });
    const [gone] = await until("the failed status", async () => {
      const list = await deliveriesOf(webhook!.id);
      return list[0]?.status === WebhookDeliveryStatus.FAILED ? list : undefined;
    });
    expect(gone!.lastError).toBe("the webhook was deleted");
    expect(at("/deleted")).toHaveLength(1);
    expect((await rejection(webhooks().deleteWebhook({ id: webhook!.id }))).code).toBe(Code.NotFound);
  });

  it("filters and pages the deliveries list", async () => {
    const all = await webhooks().listWebhookDeliveries({ pageSize: 1000 });
    expect(all.deliveries.length).toBeGreaterThan(2);
    const first = await webhooks().listWebhookDeliveries({ pageSize: 2 });
    const next = await webhooks().listWebhookDeliveries({ pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.deliveries, ...next.deliveries].map((d) => d.id)).toEqual(all.deliveries.slice(0, 4).map((d) => d.id));
    const error = await rejection(webhooks().listWebhookDeliveries({ pageSize: 2, pageToken: first.nextPageToken, status: WebhookDeliveryStatus.FAILED }));
    expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, "page_token"]);
    expect(fieldOf(await rejection(webhooks().listWebhookDeliveries({ webhookId: "tok_0123" })))).toBe("webhook_id");
    expect(fieldOf(await rejection(webhooks().listWebhookDeliveries({ status: 9 as WebhookDeliveryStatus })))).toBe("status");
  });
});

describe("the lifecycle scan", () => {
  const tokensCollection = () => h.mongo.db(h.dbName).collection("tokens");
  /** Days cannot pass in a test: a token's creation, expiry and last use are moved in the database. */
  const backdate = (id: string, times: { createdAgoMs: number; expiresInMs?: number; used?: boolean }) =>
    tokensCollection().updateOne(
      { _id: new ObjectId(id.slice(4)) },
      {
        $set: {
          createTime: new Date(Date.now() - times.createdAgoMs),
          ...(times.expiresInMs === undefined ? {} : { expireTime: new Date(Date.now() + times.expiresInMs) }),
          ...(times.used ? { lastUsedTime: new Date() } : {}),
        },
      },
    );

  it("announces expiring, expired and unused tokens once each, and never short-lived tokens' ends", async () => {
    await subscribe("/lifecycle", ["token.expiring", "token.expired", "token.unused"], { unusedDays: 2 });
    const bot = await h.provision("lifecycle-bot", [{ role: "viewer", allEnvironments: true }]);
    const create = async (label: string, ttlSeconds?: number) =>
      (await h.client(TokenService).createToken({ accountId: bot.accountId, label, ...(ttlSeconds ? { ttl: { seconds: BigInt(ttlSeconds) } } : {}) })).token!.id;
    const week = await create("week", 30 * 86_400);
    const hours = await create("hours", 30 * 86_400);
    const ended = await create("ended", 30 * 86_400);
    const stale = await create("stale");
    // Issued for one second: its expiry is its purpose, like a keyless CI token's.
    const brief = await create("brief", 1);
    await backdate(week, { createdAgoMs: 20 * day, expiresInMs: 3 * day, used: true });
    await backdate(hours, { createdAgoMs: 20 * day, expiresInMs: 6 * 3_600_000, used: true });
    await backdate(ended, { createdAgoMs: 20 * day, expiresInMs: 0, used: true });
    await backdate(stale, { createdAgoMs: 3 * day });
    await backdate(bot.tokenId, { createdAgoMs: 0, used: true });

    const sevenDays = await delivered("/lifecycle", "token.expiring", week);
    expect(sevenDays.body.data.within).toBe("7d");
    const oneDay = await delivered("/lifecycle", "token.expiring", hours);
    expect(oneDay.body.data.within).toBe("1d");
    await delivered("/lifecycle", "token.expired", ended);
    const unused = await delivered("/lifecycle", "token.unused", stale);
    expect(unused.body.data).toMatchObject({ unusedDays: 2, lastUsedTime: null });

    // The week token reaches its last day: the second notice, and only that.
    await backdate(week, { createdAgoMs: 20 * day, expiresInMs: 12 * 3_600_000 });
    await until("the 1-day notice", () => at("/lifecycle").find((r) => r.body.data.within === "1d" && (r.body.data.token as { id: string }).id === week));
    // Several scans later (the brief token long expired), nothing more and nothing twice.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const mine = at("/lifecycle").filter((r) => (r.body.data.token as { serviceAccountId: string }).serviceAccountId === bot.accountId);
    const keys = mine.map((r) => `${r.event}:${String(r.body.data.within ?? "")}:${(r.body.data.token as { id: string }).id}`);
    expect(keys.sort()).toEqual(
      [`token.expiring:7d:${week}`, `token.expiring:1d:${week}`, `token.expiring:1d:${hours}`, `token.expired::${ended}`, `token.unused::${stale}`].sort(),
    );
    expect(keys.some((k) => k.endsWith(brief))).toBe(false);
    expect(mine.every((r) => r.verified)).toBe(true);
  });
});

describe("two instances over one database", () => {
  it("deliver each event once, signed with the same secret", async () => {
    const config = testConfig({ ...env, TESSERA_DB_NAME: h.dbName });
    const second = await createApp(config, { mongo: h.mongo, log: pino({ level: "silent" }) });
    try {
      await subscribe("/twice", ["token.revoked", "token.unused"], { unusedDays: 1 });
      const bot = await h.provision("twin-bot", [{ role: "viewer", allEnvironments: true }]);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await h.client(TokenService).createToken({ accountId: bot.accountId, label: `t${i}` })).token!.id);
      // Both instances scan: each of these tokens looks unused for 2 days to both.
      await h.mongo
        .db(h.dbName)
        .collection("tokens")
        .updateMany({ _id: { $in: ids.slice(3).map((id) => new ObjectId(id.slice(4))) } }, { $set: { createTime: new Date(Date.now() - 2 * day) } });
      for (const id of ids.slice(0, 3)) await h.client(TokenService).revokeToken({ id });
      // Earlier tests' tokens of acme are announced too: only this account's count.
      const mine = () => at("/twice").filter((r) => (r.body.data.token as { serviceAccountId: string }).serviceAccountId === bot.accountId);
      await until("six deliveries", () => (mine().length >= 6 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(mine().map((r) => r.event).sort()).toEqual([...Array(3).fill("token.revoked"), ...Array(3).fill("token.unused")]);
      expect(new Set(mine().map((r) => r.delivery)).size).toBe(6);
      expect(mine().every((r) => r.verified)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe("secrets", () => {
  it("are stored nowhere: no collection holds a webhook secret or the master key", async () => {
    const db = h.mongo.db(h.dbName);
    const key = (await import("node:fs")).readFileSync(env.TESSERA_WEBHOOK_KEY_FILE, "utf8").trim();
    expect(secrets.length).toBeGreaterThan(5);
    for (const { name } of await db.listCollections().toArray()) {
      const dump = JSON.stringify(await db.collection(name).find().toArray());
      for (const secret of [...secrets, key]) expect(dump.includes(secret), `${name} holds a secret`).toBe(false);
    }
    expect(readdirSync(keyDir)).toEqual(["webhook.key"]);
  });
});
