// `npm start`: the identity service on the configured or embedded database, and the MCP server in
// front of it. On the first start with an empty database it creates the default organisation and
// writes its admin token to a file only the current user can read; the MCP server's own
// credential is kept the same way.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pino from "pino";
import { connect } from "./database/connect.ts";
import { listenMcp } from "../mcp/http.ts";
import { identityTransport } from "../mcp/identity-clients.ts";
import { bootstrapOrganization, issueCredential } from "./identity/use-cases/bootstrap.ts";
import { consoleBuildDir, createApp } from "./identity/app.ts";
import { loadConfig } from "../common/config.ts";
import { ConfigError } from "../common/env.ts";
import { Metrics } from "./identity/rpc/metrics.ts";
import { listenOps } from "./identity/rpc/ops.ts";
import { listen } from "./identity/rpc/server.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.TESSERA_LOG_LEVEL }, pino.destination(2));
  const dataDir = resolve(config.TESSERA_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const metrics = new Metrics();
  const connection = await connect({
    uri: config.MONGODB_URI,
    dbName: config.TESSERA_DB_NAME,
    dataDir,
    log: (message) => log.info(message),
    publish: true,
    beforeConnect: (client) => metrics.watchPool(client),
  });
  log.info({ engine: connection.engine, db: config.TESSERA_DB_NAME }, "database connected");
  const identity = await createApp(config, { mongo: connection.client, log, metrics });
  if ((await identity.store.organizations.count()) === 0) {
    const result = await bootstrapOrganization(identity.store, {
      org: config.TESSERA_DEFAULT_ORG,
      adminName: "admin",
      tokenPrefix: config.TESSERA_TOKEN_PREFIX,
      tokenPolicy: { maxTtlMs: null, defaultTtlMs: null },
      channel: "cli",
    });
    const tokenFile = join(dataDir, "admin.token");
    writeFileSync(tokenFile, `${result.token}\n`, { mode: 0o600 });
    log.info({ org: result.org, accountId: result.accountId, tokenFile }, "created the first organisation; its admin token is in tokenFile");
  }
  const server = await listen(identity.handler, config.TESSERA_HOST, config.TESSERA_PORT, {
    maxStreamsPerConnection: config.TESSERA_MAX_STREAMS_PER_CONNECTION,
    maxConnections: config.TESSERA_MAX_CONNECTIONS,
    maxSessionMemoryMb: config.TESSERA_MAX_SESSION_MEMORY_MB,
    tls: config.TESSERA_TLS_CERT ? { cert: readFileSync(config.TESSERA_TLS_CERT), key: readFileSync(config.TESSERA_TLS_KEY!) } : undefined,
  });
  log.info({ url: server.url }, "identity service listening (Connect, gRPC, gRPC-Web over HTTP/2 and HTTP/1.1, gRPC health and reflection)");
  if (existsSync(join(consoleBuildDir, "index.html"))) log.info({ url: `${server.url}/console/` }, "web console");
  else log.warn({ dir: consoleBuildDir }, "the web console is not built (npm start builds it): /console/ answers 404");
  const ops = await listenOps(identity.metrics, identity.health, config.TESSERA_OPS_HOST, config.TESSERA_OPS_PORT);
  log.info({ url: ops.url }, "operations endpoints listening (/metrics, /healthz, /readyz)");

  let mcp: { close(): Promise<void> } | undefined;
  if (config.TESSERA_MCP_ENABLED) {
    // The same file `npm run mcp` reads (TESSERA_MCP_CREDENTIAL_FILE).
    const credentialFile = resolve(config.TESSERA_MCP_CREDENTIAL_FILE ?? join(dataDir, "mcp.token"));
    mkdirSync(dirname(credentialFile), { recursive: true, mode: 0o700 });
    if (!existsSync(credentialFile)) {
      const issued = await issueCredential(identity.store, {
        org: config.TESSERA_DEFAULT_ORG,
        name: "mcp-server",
        description: "The bundled MCP server: verifies callers and acts for them, never wider",
        role: "mcp-delegate",
        tokenPrefix: config.TESSERA_TOKEN_PREFIX,
        channel: "cli",
      });
      writeFileSync(credentialFile, `${issued.token}\n`, { mode: 0o600 });
      log.info({ accountId: issued.accountId, credentialFile }, "issued the MCP server's credential");
    }
    const running = await listenMcp(
      {
        identity: identityTransport(server.url),
        credential: readFileSync(credentialFile, "utf8").trim(),
        allowedOrigins: config.TESSERA_MCP_ALLOWED_ORIGINS,
        maxBodyBytes: config.TESSERA_MCP_MAX_BODY_BYTES,
        log,
      },
      config.TESSERA_MCP_HOST,
      config.TESSERA_MCP_PORT,
    );
    mcp = running;
    log.info({ url: running.url }, "MCP server listening (Streamable HTTP)");
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining in-flight calls");
    ops.drain();
    await mcp?.close();
    await server.close();
    await identity.close();
    await connection.close();
    await ops.close();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // npm runs scripts through `sh -c`, which does not pass SIGTERM on: when whoever started us goes
  // away, stop as if told to, so nothing we started (the embedded database included) lingers.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop("parent exited");
  }, 500).unref();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
