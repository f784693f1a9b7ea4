// The real entry points as processes: `npm start` (first-run bootstrap, admin token file, graceful
// shutdown), `npm run bootstrap`, and configuration errors.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, inject, it, vi } from "vitest";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { bearer } from "../support/harness.ts";

const root = resolve(import.meta.dirname, "../..");

function run(script: string, args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: { ...process.env, TESSERA_PORT: "0", TESSERA_MCP_PORT: "0", TESSERA_OPS_PORT: "0", TESSERA_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += String(chunk)));
  child.stderr!.on("data", (chunk) => (output += String(chunk)));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolvePromise) => child.once("exit", (code) => resolvePromise(code)));
}

async function listening(child: ReturnType<typeof run>): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const match = /"url":"(http:\/\/[^"/]+)"/.exec(child.output());
    if (match) return match[1]!;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the service did not start:\n${child.output()}`);
}

function freshEnv() {
  return {
    MONGODB_URI: inject("mongoUri"),
    TESSERA_DB_NAME: `p_${randomUUID().slice(0, 8)}`,
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-")),
  };
}

describe("npm start", () => {
  it("bootstraps the default organisation once, serves, and stops cleanly on SIGTERM", async () => {
    const env = freshEnv();
    const first = run("services/main.ts", [], env);
    const url = await listening(first);
    const tokenFile = join(env.TESSERA_DATA_DIR, "admin.token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(first.output()).toContain(tokenFile);
    expect(first.output()).not.toContain(token.slice(4, 47));

    const client = createClient(VerifyService, createConnectTransport({ baseUrl: url, httpVersion: "2", interceptors: [bearer(token)] }));
    const { identity } = await client.whoAmI({});
    expect(identity!.principal).toMatchObject({ org: "default", accountName: "admin" });

    // The MCP server runs beside it, with its own credential kept like the admin token.
    const mcpUrl = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(first.output())![1]!;
    expect(statSync(join(env.TESSERA_DATA_DIR, "mcp.token")).mode & 0o777).toBe(0o600);
    const mcp = new McpClient({ name: "process-test", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const whoami = await mcp.callTool({ name: "whoami", arguments: {} });
    expect(whoami.structuredContent).toMatchObject({ identity: { account: { name: "admin" } }, delegate: "mcp-server" });
    await mcp.close();

    first.kill("SIGTERM");
    expect(await exited(first)).toBe(0);
    expect(first.output()).toContain("stopped");

    const second = run("services/main.ts", [], env);
    await listening(second);
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(token);
    expect(second.output()).not.toContain("created the first organisation");
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
  });

  it("stops everything it started when npm is told to stop (SIGTERM to npm, embedded database included)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-"));
    const { MONGODB_URI: _, ...inherited } = process.env;
    // Its own process group, so the test can look for (and, failing, clean up) every descendant.
    const npm = spawn("npm", ["start"], {
      cwd: root,
      detached: true,
      env: { ...inherited, TESSERA_PORT: "0", TESSERA_MCP_PORT: "0", TESSERA_OPS_PORT: "0", TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    npm.stdout!.on("data", (chunk) => (output += String(chunk)));
    npm.stderr!.on("data", (chunk) => (output += String(chunk)));
    const group = npm.pid!;
    const alive = () => {
      try {
        process.kill(-group, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await vi.waitFor(() => expect(output).toContain("MCP server listening"), { timeout: 90_000, interval: 200 });
      process.kill(npm.pid!, "SIGTERM");
      await vi.waitFor(() => expect(alive(), "a process npm start began is still running").toBe(false), { timeout: 20_000, interval: 200 });
      expect(output).toContain('"msg":"stopped"');
      // Every line the service writes is JSON (npm's own "> tessera@… start" banner aside).
      const lines = output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith(">"));
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      if (alive()) process.kill(-group, "SIGKILL");
    }
  }, 120_000);

  it("stops with a message naming a bad variable", async () => {
    const child = run("services/main.ts", [], { ...freshEnv(), TESSERA_PORT: "eighty" });
    expect(await exited(child)).toBe(1);
    expect(child.output()).toContain("TESSERA_PORT");
  });
});

describe("npm run bootstrap", () => {
  it("creates an organisation and prints its admin token once, then refuses to repeat", async () => {
    const env = freshEnv();
    const first = run("services/identity/bootstrap-command.ts", ["--org", "initech"], env);
    expect(await exited(first)).toBe(0);
    const result = JSON.parse(first.output().slice(first.output().indexOf("{"))) as { org: string; token: string; accountId: string };
    expect(result).toMatchObject({ org: "initech", accountId: expect.stringMatching(/^sa_/) });
    expect(result.token).toMatch(/^tsr_/);

    const again = run("services/identity/bootstrap-command.ts", ["--org", "initech"], env);
    expect(await exited(again)).toBe(6);
    expect(again.output()).toContain("already exists");

    const bad = run("services/identity/bootstrap-command.ts", ["--org", "Bad Org"], env);
    expect(await exited(bad)).toBe(2);
    expect(bad.output()).toContain("--org");

    // The deployment job's form: idempotent, and it issues the MCP server's credential.
    const credentialFile = join(env.TESSERA_DATA_DIR, "mcp.token");
    const job = run("services/identity/bootstrap-command.ts", ["--org", "umbrella", "--if-missing", "--mcp-credential-file", credentialFile], env);
    expect(await exited(job)).toBe(0);
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    const rerun = run("services/identity/bootstrap-command.ts", ["--org", "umbrella", "--if-missing"], env);
    expect(await exited(rerun)).toBe(0);
    expect(rerun.output()).toContain("nothing to do");
  });
});
