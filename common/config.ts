// Every variable of Tessera's processes, in one place: the identity service's and the MCP
// server's. All configuration comes from environment variables, validated at start: a wrong value
// stops the process with a message naming the variable. `npm start` runs both and validates
// everything; `npm run mcp` and `mcp:stdio` validate the MCP server's part. README.md's
// configuration table mirrors this file.
import { z } from "zod";
import { namePattern, tokenPrefixPattern } from "../client/names.ts";
import { logLevel, parseEnv } from "./env.ts";

const port = z.coerce.number().int().min(0).max(65535);

/** The identity service's variables. */
const identityVariables = {
  TESSERA_HOST: z.string().min(1).default("127.0.0.1"),
  TESSERA_PORT: port.default(8080),
  TESSERA_OPS_HOST: z.string().min(1).default("127.0.0.1"),
  TESSERA_OPS_PORT: port.default(9090),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://").optional(),
  TESSERA_DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).default("tessera"),
  TESSERA_DATA_DIR: z.string().min(1).default(".tessera"),
  TESSERA_TOKEN_PREFIX: z.string().regex(tokenPrefixPattern, "must be 2-10 lowercase letters or digits, starting with a letter").default("tsr"),
  TESSERA_API_AUDIENCE: z.string().min(1).default("tessera"),
  TESSERA_DEFAULT_ORG: z.string().regex(namePattern, "must be 2-63 lowercase letters, digits or dashes").default("default"),
  TESSERA_USAGE_FLUSH_MS: z.coerce.number().int().min(100).max(600_000).default(1000),
  TESSERA_VERIFY_CACHE_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  TESSERA_VERIFY_CACHE_TTL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  TESSERA_INVALIDATION_POLL_MS: z.coerce.number().int().min(10).max(5000).default(50),
  TESSERA_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(30),
  TESSERA_AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** Proxies whose X-Forwarded-For names the client (comma-separated addresses); none by default. */
  TESSERA_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6()]))),
  TESSERA_MAX_STREAMS_PER_CONNECTION: z.coerce.number().int().min(1).max(10_000).default(100),
  TESSERA_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  TESSERA_MAX_SESSION_MEMORY_MB: z.coerce.number().int().min(1).max(1024).default(10),
  TESSERA_MAX_WATCH_STREAMS: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  TESSERA_MAX_WATCH_STREAMS_PER_CLIENT: z.coerce.number().int().min(0).max(100_000).default(10),
  TESSERA_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  TESSERA_LOG_LEVEL: logLevel,
  /** Keyless CI: the clock skew tolerated on external OIDC tokens, and how long an issuer's keys are used before being fetched again. */
  TESSERA_OIDC_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(30),
  TESSERA_OIDC_KEYS_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(10 * 60_000),
  /** The least time between two key fetches of one issuer, e.g. for a token naming a key not seen yet. */
  TESSERA_OIDC_KEYS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Accept trust policies whose issuer is plain http on a loopback address (a local issuer); off by default. */
  TESSERA_OIDC_ALLOW_LOOPBACK_HTTP: z.stringbool().default(false),
  /** Accept issuers on private, loopback and link-local addresses (a self-hosted GitLab inside your network); off, only public ones. */
  TESSERA_OIDC_ALLOW_PRIVATE_ADDRESSES: z.stringbool().default(false),
  /** Lifecycle webhooks: accept plain-http URLs on a loopback address (a local receiver); off by default. */
  TESSERA_WEBHOOK_ALLOW_LOOPBACK_HTTP: z.stringbool().default(false),
  /** Deliver to private, loopback and link-local addresses (receivers inside your network); off, only public ones. */
  TESSERA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.stringbool().default(false),
  /** The master key every webhook's signing secret is derived from; created (mode 0600) when absent. */
  TESSERA_WEBHOOK_KEY_FILE: z.string().min(1).optional(),
  /** How often each instance looks for expiring, expired and unused tokens, and for due deliveries. */
  TESSERA_WEBHOOK_SCAN_MS: z.coerce.number().int().min(50).max(3_600_000).default(60_000),
  TESSERA_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** The first retry's delay; each further one doubles it (with jitter), up to an hour. */
  TESSERA_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  TESSERA_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** Leak reports (ReportLeakedTokens) one client may send a minute; 0 turns the limit off. */
  TESSERA_LEAK_REPORTS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(30),
  /** Where GitHub publishes the keys that sign its secret scanning alerts. */
  TESSERA_GITHUB_SCANNING_KEYS_URL: z.url({ protocol: /^https?$/ }).default("https://api.github.com/meta/public_keys/secret_scanning"),
  /** The least time between two fetches of GitHub's keys for alerts naming a key not seen yet. */
  TESSERA_GITHUB_SCANNING_KEYS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /**
   * How often each instance delivers effects a crash left on documents (audit events, invalidations
   * of other instances' caches): after a crash between a write and its delivery, the longest wait.
   */
  TESSERA_OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** How often each instance revokes the tokens organisations' policies say went unused too long. */
  TESSERA_HYGIENE_SWEEP_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** PEM files: with both set, the API port speaks TLS (HTTP/2 or HTTP/1.1 by ALPN). */
  TESSERA_TLS_CERT: z.string().min(1).optional(),
  TESSERA_TLS_KEY: z.string().min(1).optional(),
  /** The console's sessions: ended after this long unused, and this long after sign-in whatever happens. */
  TESSERA_CONSOLE_IDLE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30 * 60_000),
  TESSERA_CONSOLE_SESSION_MS: z.coerce.number().int().min(1000).max(7 * 86_400_000).default(8 * 3_600_000),
  /** Console sessions one instance holds at once; when full, sign-ins are refused until some end. */
  TESSERA_CONSOLE_MAX_SESSIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Console sessions of one organisation; beyond it, the organisation's oldest ends. */
  TESSERA_CONSOLE_MAX_SESSIONS_PER_ORG: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Console sign-ins one client address, and one token, may make a minute; 0 turns the limit off. */
  TESSERA_CONSOLE_SIGN_INS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(30),
  /** The console's public origin when a proxy serves it under another name or scheme, e.g. https://tessera.example.com. */
  TESSERA_CONSOLE_ORIGIN: z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin).optional(),
};

/** The MCP server's variables (`npm start` runs it beside the identity service). */
const mcpVariables = {
  /** The identity service the MCP server (and the CLI) calls. */
  TESSERA_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8080"),
  /** Whether `npm start` runs the MCP server beside the identity service. */
  TESSERA_MCP_ENABLED: z.stringbool().default(true),
  TESSERA_MCP_HOST: z.string().min(1).default("127.0.0.1"),
  TESSERA_MCP_PORT: port.default(8081),
  TESSERA_MCP_ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((o) => o.trim()).filter(Boolean)),
  TESSERA_MCP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** The MCP server's own token; by default `mcp.token` in the data directory. */
  TESSERA_MCP_CREDENTIAL_FILE: z.string().min(1).optional(),
  TESSERA_LOG_LEVEL: logLevel,
};

const schema = z.object({ ...identityVariables, ...mcpVariables }).refine((c) => (c.TESSERA_TLS_CERT === undefined) === (c.TESSERA_TLS_KEY === undefined), {
  message: "set both TESSERA_TLS_CERT and TESSERA_TLS_KEY, or neither",
  path: ["TESSERA_TLS_CERT"],
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}

const mcpSchema = z.object(mcpVariables);
export type McpConfig = z.infer<typeof mcpSchema>;

/** The MCP server's part alone, for `npm run mcp` and `mcp:stdio`. */
export function loadMcpConfig(env: NodeJS.ProcessEnv = process.env): McpConfig {
  return parseEnv(mcpSchema, env);
}
