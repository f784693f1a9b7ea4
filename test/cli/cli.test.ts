// The `tessera` CLI as a process against a real identity service: tables, --json, the secret
// alone on stdout, and exit codes a CI job can branch on.
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { startHarness, type Harness } from "../support/harness.ts";

const root = resolve(import.meta.dirname, "../..");
const keyDir = mkdtempSync(join(tmpdir(), "tessera-cli-webhooks-"));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { TESSERA_WEBHOOK_KEY_FILE: join(keyDir, "webhook.key") } });
  await h.client(EnvironmentService).createEnvironment({ name: "staging" });
});
afterAll(async () => {
  await h.close();
  rmSync(keyDir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tessera(args: string[], options: { token?: string | null; stdin?: string; env?: Record<string, string> } = {}): Promise<Result> {
  const token = options.token === undefined ? h.acme.token : options.token;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", TESSERA_URL: h.url, ...options.env };
  if (token !== null) env.TESSERA_TOKEN = token;
  const child = spawn(process.execPath, [join(root, "cli/bin.mjs"), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += String(c)));
  child.stderr.on("data", (c) => (stderr += String(c)));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolvePromise) => child.on("exit", (code) => resolvePromise({ code, stdout, stderr })));
}

describe("tessera CLI", () => {
  it("manages an account and its tokens end to end, with tables and JSON", async () => {
    const created = await tessera(["--json", "accounts", "create", "cli-bot", "--owner", "platform", "--role", "viewer@staging", "--role", "verifier"]);
    expect(created.code, created.stderr).toBe(0);
    const account = JSON.parse(created.stdout).serviceAccount;
    expect(account).toMatchObject({ name: "cli-bot", owner: "platform" });

    const table = await tessera(["accounts", "list", "--prefix", "cli-"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("cli-bot");
    expect(table.stdout).toContain("viewer@staging");

    const token = await tessera(["tokens", "create", account.id, "--label", "ci", "--ttl", "30d"]);
    expect(token.code, token.stderr).toBe(0);
    // The secret alone on stdout, the note on stderr: `tessera tokens create … > secret` works.
    expect(token.stdout).toMatch(/^tsr_[0-9A-Za-z]{49}\n$/);
    expect(token.stderr).toContain("shown once");
    const secret = token.stdout.trim();

    const verified = await tessera(["--json", "verify", "--permission", "accounts.read", "--environment", "staging"], { stdin: secret });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout).identity.principal.accountName).toBe("cli-bot");

    const whoami = await tessera(["whoami"], { token: secret });
    expect(whoami.stdout).toContain("cli-bot");

    const listed = await tessera(["--json", "tokens", "list", "--account", account.id]);
    const tokenId = JSON.parse(listed.stdout).tokens[0].id as string;
    const rotated = await tessera(["tokens", "rotate", tokenId, "--grace", "1h"]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^tsr_\w{49}\n$/);
    expect(rotated.stderr).toMatch(/works until \d{4}-/);

    expect((await tessera(["tokens", "revoke", tokenId, "--reason", "rotated", "--yes"])).code).toBe(0);
    const audit = await tessera(["audit", "--target", tokenId]);
    expect(audit.stdout).toContain("token.revoke");
    expect(audit.stdout).toContain("connect");
  });

  it("exits 2 on usage errors and bad input", async () => {
    expect((await tessera(["accounts", "frobnicate"])).code).toBe(2);
    expect((await tessera(["tokens", "create", "sa_000000000000000000000000"])).code).toBe(2); // --label missing
    const bad = await tessera(["accounts", "create", "Not_Valid"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid_argument");
    expect((await tessera(["tokens", "create", "sa_x", "--label", "x", "--ttl", "forever"])).code).toBe(2);
    expect((await tessera(["whoami"], { token: null })).code).toBe(2);
  });

  it("exits 3 when unauthenticated, 4 when denied, 5 when not found, 6 on a failed precondition", async () => {
    expect((await tessera(["whoami"], { token: "tsr_invalid" })).code).toBe(3);
    const viewer = await h.provision("cli-viewer", [{ role: "viewer", allEnvironments: true }]);
    const denied = await tessera(["accounts", "create", "nope-bot"], { token: viewer.token });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain("permission_denied");
    expect((await tessera(["accounts", "get", "sa_000000000000000000000000"])).code).toBe(5);
    expect((await tessera(["tokens", "delete", viewer.tokenId, "--yes"])).code).toBe(6);
    const invalidToken = await tessera(["verify"], { stdin: "tsr_bogus" });
    expect(invalidToken.code).toBe(3);
    expect(invalidToken.stderr).toContain("malformed");
  });

  it("reads the token from --token-file and speaks native gRPC too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    writeFileSync(join(dir, "token"), `${h.acme.token}\n`, { mode: 0o600 });
    const result = await tessera(["--protocol", "grpc", "--token-file", join(dir, "token"), "--json", "roles", "list"], { token: null });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).roles.map((r: { name: string }) => r.name)).toContain("admin");
  });

  it("manages roles, environments and the token policy", async () => {
    expect((await tessera(["roles", "create", "deployer", "--permission", "deploy:write"])).code).toBe(0);
    expect((await tessera(["roles", "update", "deployer", "--description", "ships"])).stdout).toContain("ships");
    // Deleting asks first: without a terminal it needs --yes, and nothing is deleted until then.
    expect((await tessera(["roles", "delete", "deployer"])).code).toBe(2);
    expect((await tessera(["roles", "list"])).stdout).toContain("deployer");
    expect((await tessera(["roles", "delete", "deployer", "--yes"])).code).toBe(0);
    expect((await tessera(["environments", "create", "qa"])).code).toBe(0);
    expect((await tessera(["environments", "list"])).stdout).toContain("qa");
    expect((await tessera(["environments", "delete", "qa"])).code).toBe(2);
    expect((await tessera(["environments", "delete", "qa", "--yes"])).code).toBe(0);
    const policy = await tessera(["org", "update", "--max-token-ttl", "90d"]);
    expect(policy.stdout).toContain("90d");
    expect((await tessera(["org", "update", "--max-token-ttl", "none"])).stdout).toContain("none");
  });

  it("manages webhooks: the signing secret alone on stdout, lists without it, deletes with --yes", async () => {
    const url = "https://hooks.example.com/tessera";
    const created = await tessera(["webhooks", "create", url, "--event", "account.deleted", "--event", "token.unused", "--unused-days", "60"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^whsec_[A-Za-z0-9_-]{43}\n$/);
    const id = /wh_[0-9a-f]{24}/.exec(created.stderr)![0];
    const list = await tessera(["--json", "webhooks", "list"]);
    expect(JSON.parse(list.stdout).webhooks).toEqual([expect.objectContaining({ id, url, unusedDays: 60, events: ["account.deleted", "token.unused"] })]);
    expect(list.stdout).not.toContain(created.stdout.trim());
    const refused = await tessera(["webhooks", "create", "http://hooks.example.com/x", "--event", "token.revoked"]);
    expect([refused.code, refused.stderr.includes("url")]).toEqual([2, true]);
    const deliveries = await tessera(["webhooks", "deliveries", "--webhook", id, "--status", "failed"]);
    expect(deliveries.code, deliveries.stderr).toBe(0);
    expect((await tessera(["webhooks", "deliveries", "--status", "lost"])).code).toBe(2);
    expect((await tessera(["webhooks", "delete", id])).code).toBe(2);
    expect((await tessera(["webhooks", "delete", id, "--yes"])).code).toBe(0);
    expect((await tessera(["webhooks", "list"])).stdout).not.toContain(id);
  });
});
