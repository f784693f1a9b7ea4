// The MCP server over stdio, spawned as a process the way an assistant starts it.
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { startHarness, type Harness } from "../support/harness.ts";

const root = resolve(import.meta.dirname, "../..");
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

function spawnStdio(token: string) {
  return new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", "mcp/stdio.ts"],
    cwd: root,
    env: { PATH: process.env.PATH ?? "", TESSERA_IDENTITY_URL: h.url, TESSERA_TOKEN: token },
    stderr: "pipe",
  });
}

describe("MCP over stdio", () => {
  it("serves the tools with the caller's own token (no delegate, so the channel is the wire protocol)", async () => {
    const bot = await h.provision("local-assistant", [{ role: "developer", allEnvironments: true }]);
    const client = new Client({ name: "tessera-test", version: "1.0.0" });
    await client.connect(spawnStdio(bot.token));
    try {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(19);
      const whoami = (await client.callTool({ name: "whoami", arguments: {} })) as CallToolResult;
      expect(whoami.structuredContent).toMatchObject({ identity: { account: { name: "local-assistant" } }, channel: "connect" });
      const created = (await client.callTool({ name: "create_service_account", arguments: { name: "stdio-made" } })) as CallToolResult;
      expect(created.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const { events } = await h.client(AuditService).listAuditEvents({ action: "service_account.create" });
    expect(events[0]).toMatchObject({ actor: { accountName: "local-assistant" }, channel: "connect" });
  });

  it("refuses to start with a bad token, saying why on stderr", async () => {
    const transport = spawnStdio("tsr_bad");
    let stderr = "";
    transport.stderr?.on("data", (chunk) => (stderr += String(chunk)));
    const client = new Client({ name: "tessera-test", version: "1.0.0" });
    await expect(client.connect(transport)).rejects.toThrow();
    expect(stderr).toContain("TESSERA_TOKEN was refused");
  });
});
