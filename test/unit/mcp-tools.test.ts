// MCP tools over an in-memory MCP transport and a router transport for the identity API (no
// network, no database): answers of the identity service become tool errors a model can act on,
// and a bug's text never reaches the assistant.
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { clientsOver } from "../../client/client.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { createMcpServer } from "../../mcp/server.ts";
import { unexpectedFailureText } from "../../mcp/tool.ts";

async function connect(onUnexpected: (tool: string, error: unknown) => void): Promise<Client> {
  const identity = clientsOver(
    createRouterTransport(({ service }) => {
      service(VerifyService, {
        // An answer without the identity it promises: the tool's code then fails on its own.
        whoAmI: () => ({}),
        verify: () => {
          throw new ConnectError("the token does not allow this", Code.PermissionDenied);
        },
      });
    }),
  );
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer({ identity, onUnexpected }).connect(serverSide);
  const client = new Client({ name: "unit", version: "1" });
  await client.connect(clientSide);
  return client;
}

const text = (result: CallToolResult) => (result.content as { text: string }[])[0]!.text;

describe("MCP tool errors", () => {
  it("turns an unexpected failure into a fixed tool error and reports it to the log", async () => {
    const reported: [string, unknown][] = [];
    const client = await connect((tool, error) => reported.push([tool, error]));
    const result = (await client.callTool({ name: "whoami", arguments: {} })) as CallToolResult;
    expect([result.isError, text(result)]).toEqual([true, unexpectedFailureText]);
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]).toBe("whoami");
    expect(reported[0]![1]).toBeInstanceOf(TypeError);
  });

  it("turns the identity service's answers into sentences with advice", async () => {
    const client = await connect(() => {});
    const result = (await client.callTool({ name: "verify_token", arguments: { token: "tsr_x" } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^permission_denied: The token does not allow this\. Your token does not allow this\./);
  });
});
