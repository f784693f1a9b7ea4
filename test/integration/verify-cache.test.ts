// The verify cache across two service processes sharing one database: every change that affects
// verification reaches the other process's cache (the benchmark measures how fast), entries expire
// on time, and concurrent fills never bring back a revoked token.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService, type VerifyRequestSchema } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { issueToken } from "../../services/identity/domain/token-format.ts";
import { newToken } from "../../services/identity/store/documents.ts";
import { verdict } from "../support/errors.ts";
import { bearer, startHarness, type Harness } from "../support/harness.ts";

const root = resolve(import.meta.dirname, "../..");
let h: Harness;
let other: ChildProcess;
let gateway: { token: string };
/** Verify on the second process, as a gateway would call it. */
let remote: Client<typeof VerifyService>;

beforeAll(async () => {
  h = await startHarness();
  gateway = await h.provision("cache-gateway", [{ role: "verifier", allEnvironments: true }]);
  other = spawn(process.execPath, ["--import", "tsx", "services/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      MONGODB_URI: inject("mongoUri"),
      TESSERA_DB_NAME: h.dbName,
      TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-cache-")),
      TESSERA_PORT: "0",
      TESSERA_OPS_PORT: "0",
      TESSERA_MCP_ENABLED: "false",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  other.stderr!.on("data", (chunk) => (output += String(chunk)));
  const url = await vi.waitFor(
    () => {
      const match = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(output);
      if (!match) throw new Error(`not started yet: ${output}`);
      return match[1]!;
    },
    { timeout: 30_000, interval: 100 },
  );
  remote = createClient(VerifyService, createGrpcTransport({ baseUrl: url, interceptors: [bearer(gateway.token)] }));
});
afterAll(async () => {
  other?.kill("SIGTERM");
  await h.close();
});

/** Whether the other process answers that the token is valid; a failed call fails the test. */
const accepted = (token: string) => remote.verify({ token }).then((response) => verdict(response) === "valid");
/** Waits until the other process answers that the token is not valid, and returns the reason. */
const refusedRemotely = (request: string | MessageInitShape<typeof VerifyRequestSchema>) =>
  vi.waitFor(
    async () => {
      const outcome = verdict(await remote.verify(typeof request === "string" ? { token: request } : request));
      if (outcome === "valid") throw new Error("still valid");
      return outcome;
    },
    { timeout: 5000, interval: 20 },
  );

describe("verify cache across processes", () => {
  it("propagates revocation and restoration", async () => {
    const bot = await h.provision("cached-bot", [{ role: "viewer", allEnvironments: true }]);
    expect(await accepted(bot.token)).toBe(true);
    expect(await accepted(bot.token)).toBe(true); // now a cache hit over there
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    expect(await refusedRemotely(bot.token)).toBe("revoked");
    await h.client(TokenService).restoreToken({ id: bot.tokenId });
    await vi.waitFor(async () => expect(await accepted(bot.token)).toBe(true), { timeout: 5000, interval: 20 });
  });

  it("propagates disabling, enabling and deleting an account", async () => {
    const bot = await h.provision("toggled-bot", [{ role: "viewer", allEnvironments: true }]);
    expect(await accepted(bot.token)).toBe(true);
    await h.client(ServiceAccountService).disableServiceAccount({ id: bot.accountId });
    expect(await refusedRemotely(bot.token)).toBe("account_disabled");
    await h.client(ServiceAccountService).enableServiceAccount({ id: bot.accountId });
    await vi.waitFor(async () => expect(await accepted(bot.token)).toBe(true), { timeout: 5000, interval: 20 });
    await h.client(ServiceAccountService).deleteServiceAccount({ id: bot.accountId });
    expect(await refusedRemotely(bot.token)).toBe("revoked");
  });

  it("propagates role changes to the permissions Verify reports", async () => {
    await h.client(RoleService).createRole({ name: "shipper", permissions: ["deploy:write"] });
    const bot = await h.provision("shipping-bot", [{ role: "shipper", allEnvironments: true }]);
    expect(verdict(await remote.verify({ token: bot.token, permission: "deploy:write" }))).toBe("valid");
    await h.client(RoleService).updateRole({ role: { name: "shipper", permissions: ["deploy:read"] }, updateMask: { paths: ["permissions"] } });
    expect(await refusedRemotely({ token: bot.token, permission: "deploy:write" })).toBe("permission_denied");
  });

  it("propagates rotation with no grace period", async () => {
    const bot = await h.provision("rotated-bot", [{ role: "viewer", allEnvironments: true }]);
    expect(await accepted(bot.token)).toBe(true);
    const rotated = await h.client(TokenService).rotateToken({ id: bot.tokenId });
    expect(await refusedRemotely(bot.token)).toBe("expired");
    expect(await accepted(rotated.secret)).toBe(true);
  });

  it("expires cached entries on time", async () => {
    const bot = await h.provision("expiring-cached", [{ role: "viewer", allEnvironments: true }]);
    const short = await h.client(TokenService).createToken({ accountId: bot.accountId, label: "3s", ttl: { seconds: 3n } });
    expect(await accepted(short.secret)).toBe(true);
    await new Promise((r) => setTimeout(r, 3100));
    expect(verdict(await remote.verify({ token: short.secret }))).toBe("expired");
  });

  it("forgets a remembered unknown token once a token with that hash is created", async () => {
    const bot = await h.provision("late-bot", [{ role: "viewer", allEnvironments: true }]);
    const issued = issueToken("tsr");
    expect(verdict(await remote.verify({ token: issued.secret }))).toBe("unknown"); // negative-cached there
    // Store a token with exactly that hash, as CreateToken would, with its creation's effects.
    const now = new Date();
    const actor = { accountId: bot.accountId.slice(3), accountName: "late-bot" };
    await h.identity.store.tokens.insert(
      newToken({
        org: "acme",
        accountId: new ObjectId(bot.accountId.slice(3)),
        label: "planted",
        hash: issued.hash,
        hint: issued.hint,
        createdBy: actor,
        createTime: now,
        expireTime: null,
      }),
      {
        id: new ObjectId(),
        audit: { _id: new ObjectId(), time: now, org: "acme", actor, delegate: null, channel: "test", action: "token.create", target: "planted", outcome: "ok", reason: "", requestId: "", peer: "", targetVersion: 1 },
        invalidations: [{ kind: "token", key: issued.hash }],
      },
    );
    await vi.waitFor(async () => expect(await accepted(issued.secret)).toBe(true), { timeout: 5000, interval: 20 });
  });

  it("never lets a concurrent fill bring back a revoked token", async () => {
    const bot = await h.provision("contended-bot", [{ role: "viewer", allEnvironments: true }]);
    const local = h.client(VerifyService, gateway.token, "grpc");
    const hammer = (client: Client<typeof VerifyService>) =>
      Promise.all(Array.from({ length: 100 }, () => client.verify({ token: bot.token }).then(verdict)));
    const during = Promise.all([hammer(remote), hammer(local)]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    await during;
    expect(await refusedRemotely(bot.token)).toBe("revoked");
    // Once refused, refused for good on both processes, however many fills race.
    const after = await Promise.all([
      ...Array.from({ length: 100 }, () => accepted(bot.token)),
      ...Array.from({ length: 100 }, () => local.verify({ token: bot.token }).then((response) => verdict(response) === "valid")),
    ]);
    expect(after.filter(Boolean)).toHaveLength(0);
  });
});
