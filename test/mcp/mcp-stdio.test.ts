// The MCP server over stdio, spawned as a process the way an assistant starts it: with the
// caller's own token, or delegating with the MCP server's credential (so that tokens limited to
// audience "mcp" work), offering only the tools the token can use.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { callConfirmed, callTool, texts } from "./mcp-support.ts";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "tessera-stdio-"));
let h: Harness;
let credentialFile: string;
let mcpAccountId: string;
beforeAll(async () => {
  h = await startHarness();
  const credential = await h.provision("mcp-server", [{ role: "mcp-delegate", allEnvironments: true }]);
  mcpAccountId = credential.accountId;
  credentialFile = join(dir, "mcp.token");
  writeFileSync(credentialFile, `${credential.token}\n`, { mode: 0o600 });
});
afterAll(() => h.close());

function spawnStdio(token: string, env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", "mcp/stdio.ts"],
    cwd: root,
    env: { PATH: process.env.PATH ?? "", TESSERA_URL: h.url, TESSERA_TOKEN: token, ...env },
    stderr: "pipe",
  });
  const out = { stderr: "" };
  transport.stderr?.on("data", (chunk) => (out.stderr += String(chunk)));
  return { transport, out };
}

async function connected<T>(token: string, env: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "tessera-test", version: "1.0.0" });
  await client.connect(spawnStdio(token, env).transport);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const mcpToken = async (accountId: string) =>
  (await h.client(TokenService).createToken({ accountId, label: "claude-code", audiences: ["mcp"] })).secret;

describe("MCP over stdio", () => {
  it("serves the tools its token can use with the caller's own token (no delegate, so the channel is the wire protocol)", async () => {
    const bot = await h.provision("local-assistant", [{ role: "developer", allEnvironments: true }]);
    await connected(bot.token, {}, async (client) => {
      const { tools } = await client.listTools();
      // Every tool but the ones needing tokens.verify, audit.read, roles.write, environments.write and org.write.
      expect(tools).toHaveLength(20);
      expect(tools.map((t) => t.name)).not.toContain("list_audit_events");
      const whoami = (await client.callTool({ name: "whoami", arguments: {} })) as CallToolResult;
      expect(whoami.structuredContent).toMatchObject({ identity: { account: { name: "local-assistant" } }, channel: "connect" });
      const created = (await client.callTool({ name: "create_service_account", arguments: { name: "stdio-made" } })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      // Destructive tools ask first here too.
      const id = (created.structuredContent as { serviceAccount: { id: string } }).serviceAccount.id;
      expect((await callConfirmed(client, "delete_service_account", { id })).structuredContent).toEqual({ deleted: id, revokedTokenCount: 0 });
    });
    const { events } = await h.client(AuditService).listAuditEvents({ action: "service_account.create" });
    expect(events[0]).toMatchObject({ actor: { accountName: "local-assistant" }, channel: "connect" });
  });

  it("delegates with TESSERA_MCP_CREDENTIAL_FILE, so a token for audience mcp works", async () => {
    const bot = await h.provision("stdio-delegating", [{ role: "viewer", allEnvironments: true }]);
    const token = await mcpToken(bot.accountId);
    await connected(token, { TESSERA_MCP_CREDENTIAL_FILE: credentialFile }, async (client) => {
      const { tools } = await client.listTools();
      // A viewer sees a read-only server.
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      expect(tools.map((t) => t.name)).toContain("list_service_accounts");
      const whoami = await callTool(client, "whoami");
      expect(whoami.structuredContent).toMatchObject({ identity: { account: { name: "stdio-delegating" } }, delegate: "mcp-server", channel: "mcp" });
      expect(texts(await callTool(client, "create_service_account", { name: "nope" }))[0]).toMatch(/^permission_denied: create_service_account needs the accounts\.write permission/);
    });
    const { events } = await h.client(AuditService).listAuditEvents({ actorAccountId: bot.accountId });
    expect(events.every((e) => e.delegate?.accountId === mcpAccountId && e.channel === "mcp")).toBe(true);
  });

  it("refuses to start with a token for audience mcp and no credential, saying what to do", async () => {
    const bot = await h.provision("stdio-no-credential", [{ role: "viewer", allEnvironments: true }]);
    const token = await mcpToken(bot.accountId);
    const { transport, out } = spawnStdio(token, { TESSERA_MCP_CREDENTIAL_FILE: join(dir, "missing.token") });
    const client = new Client({ name: "tessera-test", version: "1.0.0" });
    await expect(client.connect(transport)).rejects.toThrow();
    expect(out.stderr).toContain("cannot read TESSERA_MCP_CREDENTIAL_FILE");
    expect(out.stderr).toContain('A token limited to audience "mcp" works only through the MCP server');
    expect(out.stderr).toContain("Set TESSERA_MCP_CREDENTIAL_FILE to the MCP server's own credential");
  });

  it("refuses to start with a credential that is not the MCP server's, blaming the credential", async () => {
    const bot = await h.provision("stdio-wrong-credential", [{ role: "viewer", allEnvironments: true }]);
    const wrong = join(dir, "wrong.token");
    writeFileSync(wrong, bot.token);
    const { transport, out } = spawnStdio(bot.token, { TESSERA_MCP_CREDENTIAL_FILE: wrong });
    await expect(new Client({ name: "tessera-test", version: "1.0.0" }).connect(transport)).rejects.toThrow();
    expect(out.stderr).toContain(`The MCP credential in TESSERA_MCP_CREDENTIAL_FILE (${wrong}) was refused`);
  });

  it("refuses to start with a bad token, saying why on stderr", async () => {
    const { transport, out } = spawnStdio("tsr_bad");
    const client = new Client({ name: "tessera-test", version: "1.0.0" });
    await expect(client.connect(transport)).rejects.toThrow();
    expect(out.stderr).toContain("TESSERA_TOKEN was refused");
  });
});
