// MCP server configuration from the environment, validated at start like the identity service's.
import { z } from "zod";
import { logLevel, parseEnv } from "../common/env.ts";

const schema = z.object({
  TESSERA_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8080"),
  /** Whether `npm start` runs the MCP server beside the identity service. */
  TESSERA_MCP_ENABLED: z.stringbool().default(true),
  TESSERA_MCP_HOST: z.string().min(1).default("127.0.0.1"),
  TESSERA_MCP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  TESSERA_MCP_ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((o) => o.trim()).filter(Boolean)),
  TESSERA_MCP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** The MCP server's own token; by default `mcp.token` in the data directory. */
  TESSERA_MCP_CREDENTIAL_FILE: z.string().min(1).optional(),
  TESSERA_LOG_LEVEL: logLevel,
});

export type McpConfig = z.infer<typeof schema>;

export function loadMcpConfig(env: NodeJS.ProcessEnv = process.env): McpConfig {
  return parseEnv(schema, env);
}
