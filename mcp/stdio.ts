// `npm run mcp:stdio`: the MCP server over stdio for a local assistant. It acts with the caller's
// own token from TESSERA_TOKEN; stdout carries only the protocol, logs go to stderr.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ConnectError } from "@connectrpc/connect";
import { loadMcpConfig } from "./config.ts";
import { identityClients, identityTransport } from "./identity-clients.ts";
import { createMcpServer } from "./server.ts";

async function main(): Promise<void> {
  const config = loadMcpConfig();
  const token = process.env.TESSERA_TOKEN;
  if (!token) throw new Error("set TESSERA_TOKEN to your Tessera token");
  const identity = identityClients(identityTransport(config.TESSERA_IDENTITY_URL), token);
  try {
    const { identity: me } = await identity.verify.whoAmI({});
    console.error(`tessera mcp (stdio): acting as ${me!.principal!.accountName} in ${me!.principal!.org}`);
  } catch (error) {
    throw new Error(`TESSERA_TOKEN was refused by ${config.TESSERA_IDENTITY_URL}: ${ConnectError.from(error).rawMessage}`);
  }
  // stdout carries the protocol: unexpected failures go to stderr.
  const onUnexpected = (tool: string, error: unknown) => console.error(`tool ${tool} failed unexpectedly:`, error);
  await createMcpServer({ identity, onUnexpected }).connect(new StdioServerTransport());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
