// `npm run conformance`: the official MCP conformance suite against the real MCP HTTP server, in
// front of a real identity service and database. The suite cannot send a bearer token, so a
// loopback proxy adds the caller's token to each request; Host and Origin pass through unchanged,
// so the DNS-rebinding checks still reach the server's own defence. Scenarios our server cannot
// pass are listed, each with its reason, in baseline.yml beside this file.
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import pino from "pino";
import { listenMcp } from "../../mcp/http.ts";
import { identityTransport } from "../../mcp/identity-clients.ts";
import { startDatabase } from "../../services/database/embedded-database.ts";
import { bootstrapOrganization, issueCredential } from "../../services/identity/use-cases/bootstrap.ts";
import { createApp } from "../../services/identity/app.ts";
import { listen } from "../../services/identity/rpc/server.ts";
import { testConfig } from "../support/service-tuning.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const log = pino({ level: "warn" }, pino.destination(2));

const database = await startDatabase({ log: (message) => console.error(message) });
const mongo = await new MongoClient(database.uri).connect();
const identity = await createApp(testConfig({ TESSERA_DB_NAME: "conformance" }), { mongo, log });
const identityServer = await listen(identity.handler, "127.0.0.1", 0);
const admin = await bootstrapOrganization(identity.store, {
  org: "conformance",
  adminName: "admin",
  tokenPrefix: "tsr",
  tokenPolicy: { maxTtlMs: null, defaultTtlMs: null },
  channel: "cli",
});
const credential = await issueCredential(identity.store, {
  org: "conformance",
  name: "mcp-server",
  description: "MCP server under conformance test",
  role: "mcp-delegate",
  tokenPrefix: "tsr",
  channel: "cli",
});
const mcp = await listenMcp(
  { identity: identityTransport(identityServer.url), credential: credential.token, allowedOrigins: [], maxBodyBytes: 1024 * 1024, log },
  "127.0.0.1",
  0,
);

const target = new URL(mcp.url);
const proxy = http.createServer((req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${admin.token}` } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.writeHead(502).end());
  req.pipe(upstream);
});
await new Promise<void>((resolvePromise) => proxy.listen(0, "127.0.0.1", resolvePromise));
const proxyUrl = `http://localhost:${(proxy.address() as AddressInfo).port}/mcp`;

const cli = join(root, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const args = [cli, "server", "--url", proxyUrl, "--expected-failures", join(here, "baseline.yml"), ...process.argv.slice(2)];
const code = await new Promise<number>((resolvePromise) => {
  spawn(process.execPath, args, { stdio: "inherit" }).on("exit", (exitCode) => resolvePromise(exitCode ?? 1));
});

proxy.close();
await mcp.close();
await identityServer.close();
await identity.close();
await mongo.close();
await database.stop();
process.exit(code);
