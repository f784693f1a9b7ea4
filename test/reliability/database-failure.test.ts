// Kills the database process (-9) under a mixed load of create, revoke and verify, then starts it
// again on the same port and files. The service must fail closed while the database is gone
// (UNAVAILABLE or DEADLINE_EXCEEDED, never INTERNAL, never a revoked token accepted), reconnect
// by itself, and keep every write it acknowledged. A stalled (SIGSTOP) database must not hang
// calls past their deadlines.
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MongoClient } from "mongodb";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { startJavaServer } from "../../services/database/embedded-database.ts";
import { bootstrapOrganization, issueCredential } from "../../services/identity/use-cases/bootstrap.ts";
import { Metrics } from "../../services/identity/rpc/metrics.ts";
import { listen, type IdentityService, type RunningServer } from "../../services/identity/rpc/server.ts";
import { verdict } from "../support/errors.ts";
import { bearer } from "../support/harness.ts";
import { testConfig } from "../support/service-tuning.ts";
import { createApp } from "../../services/identity/app.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tessera-fault-"));
let port: number;
let database: Awaited<ReturnType<typeof startJavaServer>>;
let mongo: MongoClient;
let identity: IdentityService;
let server: RunningServer;
let admin: string;
let gateway: string;
let accountId: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the database again on its port, which the killed process may hold for a moment. */
async function restartDatabase(): Promise<Awaited<ReturnType<typeof startJavaServer>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startJavaServer(dataDir, port);
    } catch (error) {
      if (attempt === 10) throw error;
      await sleep(500);
    }
  }
}

beforeAll(async () => {
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  database = await startJavaServer(dataDir, port);
  mongo = new MongoClient(database.uri, { serverSelectionTimeoutMS: 1500, heartbeatFrequencyMS: 500 });
  const metrics = new Metrics();
  metrics.watchPool(mongo);
  await mongo.connect();
  identity = await createApp(testConfig({ TESSERA_DB_NAME: "fault", TESSERA_USAGE_FLUSH_MS: "200" }), {
    mongo,
    metrics,
    log: pino({ level: "silent" }),
  });
  server = await listen(identity.handler, "127.0.0.1", 0);
  const org = await bootstrapOrganization(identity.store, { org: "fault", adminName: "admin", tokenPrefix: "tsr", tokenPolicy: { maxTtlMs: null, defaultTtlMs: null }, channel: "cli" });
  admin = org.token;
  gateway = (await issueCredential(identity.store, { org: "fault", name: "gateway", description: "", role: "verifier", tokenPrefix: "tsr", channel: "cli" })).token;
  const accounts = createClient(ServiceAccountService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(admin)] }));
  accountId = (await accounts.createServiceAccount({ name: "fault-bot", roleBindings: [{ role: "viewer", allEnvironments: true }] })).serviceAccount!.id;
});
afterAll(async () => {
  await server?.close();
  await identity?.close();
  await mongo?.close();
  await database?.stop();
});

describe("database failure", () => {
  it("fails closed during an outage, recovers by itself and keeps what it acknowledged", async () => {
    const transport = createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(admin)], defaultTimeoutMs: 3000 });
    const tokens = createClient(TokenService, transport);
    const verify = createClient(VerifyService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(gateway)], defaultTimeoutMs: 3000 }));
    const created: { id: string; secret: string; at: number }[] = [];
    const revoked: { id: string; secret: string; at: number }[] = [];
    // A revoke that failed may still have been applied (the database can die after writing it).
    const revokeAttempted = new Set<string>();
    const failures: Code[] = [];
    const acceptedAfterRevoke: string[] = [];
    const record = (error: unknown) => failures.push(ConnectError.from(error).code);

    const worker = async (until: number) => {
      while (Date.now() < until) {
        const choice = Math.random();
        if (choice < 0.4 || created.length < 5) {
          await tokens.createToken({ accountId, label: "load" }).then(
            (r) => created.push({ id: r.token!.id, secret: r.secret, at: Date.now() }),
            record,
          );
        } else if (choice < 0.6) {
          const victim = created[Math.floor(Math.random() * created.length)]!;
          revokeAttempted.add(victim.id);
          await tokens.revokeToken({ id: victim.id }).then(
            () => revoked.push({ ...victim, at: Date.now() }),
            record,
          );
        } else {
          const target = created[Math.floor(Math.random() * created.length)]!;
          const startedAt = Date.now();
          // Refusing a revoked token is an answer (valid: false), not a failure: every error counts.
          await verify.verify({ token: target.secret }).then(
            (response) => {
              if (verdict(response) === "valid" && revoked.some((r) => r.id === target.id && r.at < startedAt)) acceptedAfterRevoke.push(target.id);
            },
            record,
          );
        }
      }
    };

    const until = Date.now() + 6000;
    const load = Promise.all(Array.from({ length: 8 }, () => worker(until)));
    await sleep(2000);
    database.child.kill("SIGKILL");
    await sleep(1500);
    database = await restartDatabase();
    await load;

    // The service reconnects by itself.
    await vi.waitFor(() => tokens.listTokens({ accountId, pageSize: 1 }), { timeout: 20_000, interval: 200 });
    expect(failures.length, "the outage was felt").toBeGreaterThan(0);
    expect(new Set(failures.filter((c) => c !== Code.Unavailable && c !== Code.DeadlineExceeded)), "only UNAVAILABLE/DEADLINE_EXCEEDED").toEqual(new Set());
    expect(acceptedAfterRevoke, "a revoked token was accepted").toEqual([]);

    // Every acknowledged write survived (the engine fsyncs before it answers), with its audit event.
    for (const token of created.filter((c) => !revokeAttempted.has(c.id))) {
      expect(verdict(await verify.verify({ token: token.secret })), token.id).toBe("valid");
    }
    const audit = createClient(AuditService, transport);
    for (const token of revoked) {
      expect(verdict(await verify.verify({ token: token.secret })), token.id).toBe("revoked");
      const { events } = await audit.listAuditEvents({ target: token.id, action: "token.revoke" });
      expect(events.some((e) => e.outcome === "ok"), `audit event of ${token.id}`).toBe(true);
    }
    console.log(`fault injection: ${created.length} creates, ${revoked.length} revokes acknowledged, ${failures.length} calls failed closed`);
  }, 60_000);

  it("honours deadlines while the database is stalled, and recovers when it resumes", async () => {
    const tokens = createClient(TokenService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(admin)] }));
    database.child.kill("SIGSTOP");
    try {
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => tokens.listTokens({ accountId }, { timeoutMs: 500 })));
      expect(results.every((r) => r.status === "rejected" && ConnectError.from(r.reason).code === Code.DeadlineExceeded)).toBe(true);
    } finally {
      database.child.kill("SIGCONT");
    }
    await vi.waitFor(() => tokens.listTokens({ accountId, pageSize: 1 }), { timeout: 20_000, interval: 200 });
  }, 60_000);
});
