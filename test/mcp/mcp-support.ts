// An MCP server over Streamable HTTP in front of a harness identity service, and SDK clients for it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pino from "pino";
import { listenMcp, type RunningMcpServer } from "../../mcp/http.ts";
import { identityTransport } from "../../mcp/identity-clients.ts";
import { startHarness, type Harness } from "../support/harness.ts";

export interface McpHarness {
  h: Harness;
  mcp: RunningMcpServer;
  mcpAccountId: string;
  connect(token: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startMcpHarness(): Promise<McpHarness> {
  const h = await startHarness();
  const credential = await h.provision("mcp-server", [{ role: "mcp-delegate", allEnvironments: true }]);
  const mcp = await listenMcp(
    {
      identity: identityTransport(h.url),
      credential: credential.token,
      allowedOrigins: ["https://console.example.com"],
      maxBodyBytes: 64 * 1024,
      log: pino({ level: "silent" }),
    },
    "127.0.0.1",
    0,
  );
  const clients: Client[] = [];
  return {
    h,
    mcp,
    mcpAccountId: credential.accountId,
    connect: async (token) => {
      const client = new Client({ name: "tessera-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await mcp.close();
      await h.close();
    },
  };
}

/** Posts a raw JSON-RPC initialize, for checking HTTP-level answers. */
export function rawInitialize(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
}
