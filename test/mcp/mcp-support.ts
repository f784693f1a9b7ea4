// An MCP server over Streamable HTTP in front of a harness identity service, and SDK clients for it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import pino from "pino";
import { expect } from "vitest";
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
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
}

/** The text blocks of a tool result. */
export const texts = (result: CallToolResult) => (result.content as { text: string }[]).map((c) => c.text);

/** Calls a tool; a result that is not an error carries its structured content as JSON in the last text block too. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (!result.isError) expect(JSON.parse(texts(result).at(-1)!), name).toEqual(result.structuredContent);
  return result;
}

/** The first call of a destructive tool: it changes nothing and answers a confirmation code, and says so. */
export async function confirmationCode(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await callTool(client, name, args);
  expect(result.isError, texts(result).join(" ")).toBeFalsy();
  const { confirmationRequired } = result.structuredContent as { confirmationRequired: { code: string; expiresAt: string; action: string } };
  expect(confirmationRequired.code, name).toMatch(/^[0-9a-z]+\.[\w-]{8}\.[\w-]{16}$/);
  expect(texts(result)[0]).toContain(`Confirmation required: nothing has been changed yet. ${confirmationRequired.action}`);
  expect(texts(result)[0]).toContain(`call ${name} again with the same arguments and confirmation: "${confirmationRequired.code}"`);
  return confirmationRequired.code;
}

/** A destructive call as an assistant makes it once the user confirmed: the code first, then the call with it. */
export async function callConfirmed(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const confirmation = await confirmationCode(client, name, args);
  return callTool(client, name, { ...args, confirmation });
}
