// `npm run mcp`: the MCP server alone, over Streamable HTTP, in front of a running identity
// service. Its own credential (tokens.verify + identity.delegate) is read from a file.
import { readFileSync } from "node:fs";
import pino from "pino";
import { loadMcpConfig } from "../common/config.ts";
import { listenMcp } from "./http.ts";
import { identityTransport } from "./identity-clients.ts";
import { McpMetrics } from "./metrics.ts";

async function main(): Promise<void> {
  const config = loadMcpConfig();
  const log = pino({ level: config.TESSERA_LOG_LEVEL }, pino.destination(2));
  const credential = readFileSync(config.TESSERA_MCP_CREDENTIAL_FILE ?? ".tessera/mcp.token", "utf8").trim();
  const server = await listenMcp(
    {
      identity: identityTransport(config.TESSERA_URL),
      credential,
      allowedOrigins: config.TESSERA_MCP_ALLOWED_ORIGINS,
      maxBodyBytes: config.TESSERA_MCP_MAX_BODY_BYTES,
      log,
      // On its own, the MCP server also reports its process (memory, event loop) at /metrics.
      metrics: new McpMetrics({ processMetrics: true }),
    },
    config.TESSERA_MCP_HOST,
    config.TESSERA_MCP_PORT,
  );
  log.info({ url: server.url }, "MCP server listening (Streamable HTTP; /healthz, /readyz and /metrics beside it)");
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
