// `npm run bench`: every Verify benchmark of docs/benchmarks.md in one run, each against baselines
// measured in the same run with the same load generator (h2load, pinned to core 1; servers pinned
// to core 0). Writes docs/benchmarks.md and bench/results.json.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { MongoClient } from "mongodb";
import { TokenService } from "../gen/tessera/identity/v1/token_pb.ts";
import { VerifyRequestSchema, VerifyService } from "../gen/tessera/identity/v1/verify_pb.ts";
import { startDatabase } from "../services/database/embedded-database.ts";
import { grpcFrame } from "../services/identity/rpc/unary-fast-path.ts";
import { bearer } from "../test/support/harness.ts";
import { h2load, type LoadResult } from "./h2load.ts";
import { root, startPinned, type Started } from "./processes.ts";
import { seed, type Seeded } from "./seed.ts";

const runs = Number(process.env.BENCH_RUNS ?? 3);
/** Each measured run lasts about this long: its request count follows the warm-up's rate. */
const runSeconds = Number(process.env.BENCH_RUN_SECONDS ?? 5);
const bigTokens = Number(process.env.BENCH_BIG_TOKENS ?? 1_000_000);
const load = { connections: 4, streams: 16, cpu: "1" };
const verifyPath = "/tessera.identity.v1.VerifyService/Verify";
const log = (message: string) => console.error(`[bench] ${message}`);

const database = await startDatabase({ log });
const mongo = await new MongoClient(database.uri).connect();
log("seeding 1k tokens");
const small = await seed(mongo.db("bench_small"), 1000);
log(`seeding ${bigTokens} tokens`);
const big = await seed(mongo.db("bench_big"), bigTokens, 20_001);

const verifyBody = (token: string) => grpcFrame(toBinary(VerifyRequestSchema, create(VerifyRequestSchema, { token })));

function identityEnv(dbName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MONGODB_URI: database.uri,
    TESSERA_DB_NAME: dbName,
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-bench-")),
    TESSERA_PORT: "0",
    TESSERA_OPS_PORT: "0",
    TESSERA_MCP_ENABLED: "false",
    TESSERA_LOG_LEVEL: "warn",
    ...extra,
  };
}

async function startIdentity(dbName: string, cpu = "0", extra: Record<string, string> = {}) {
  const started = await startPinned(cpu, "services/main.ts", { ...identityEnv(dbName, extra), TESSERA_LOG_LEVEL: "info" }, /"url":"(http:\/\/[^"]+)","msg":"operations/);
  const url = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(started.output())![1]!;
  return { ...started, url, ops: started.match[1]! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs);

interface Saturation {
  name: string;
  rps: number[];
  median: number;
  spread: number;
  failed: number;
}

/** Saturation throughput: a warm-up, then `runs` measured runs of about `runSeconds` each. */
async function saturate(name: string, url: string, body: Uint8Array, headers: Record<string, string>, check?: (total: number) => Promise<void>): Promise<Saturation> {
  const warmUp = await h2load(url, body, headers, { ...load, requests: 3000 });
  const requests = Math.max(3000, Math.round(warmUp.rps * runSeconds));
  const results: LoadResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await h2load(url, body, headers, { ...load, requests }));
  await check?.(3000 + runs * requests);
  const rps = results.map((r) => r.rps);
  const row = { name, rps, median: median(rps), spread: spread(rps), failed: results.reduce((n, r) => n + r.failed, 0) };
  log(`${name}: ${Math.round(row.median)} req/s (spread ${(row.spread * 100).toFixed(0)}%)`);
  return row;
}

/**
 * Verifies that the service answered "valid" to Verify as often as h2load counted, so errors (and
 * answers that the token is not valid, which are OK responses too) cannot pass as speed.
 */
async function validVerifies(ops: string): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  return Number(/tessera_verify_total\{outcome="valid"\} (\d+)/.exec(text)?.[1] ?? 0);
}
async function checkAllOk(ops: string, expected: number) {
  const valid = await validVerifies(ops);
  if (valid < expected) throw new Error(`only ${valid} of ${expected} Verify calls answered valid`);
}

async function withServer<T>(start: () => Promise<Started & { match: RegExpExecArray }>, run: (s: Started & { match: RegExpExecArray }) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

const saturation: Saturation[] = [];
const noop = (script: string, name: string) =>
  withServer(
    () => startPinned("0", script, { PORT: "0" }, /listening (\d+)/),
    (s) => saturate(name, `http://127.0.0.1:${s.match[1]}${verifyPath}`, verifyBody(small.presented[0]!), {}),
  );
saturation.push(await noop("bench/servers/floor.ts", "transport floor (bare node:http2)"));
saturation.push(await noop("bench/servers/connect-noop.ts", "no-op RPC, connect-node"));
saturation.push(await noop("bench/servers/grpc-js-noop.ts", "no-op RPC, @grpc/grpc-js"));

async function verifyCase(name: string, seeded: Seeded, dbName: string, extra: Record<string, string> = {}) {
  const server = await startIdentity(dbName, "0", extra);
  try {
    const auth = { authorization: `Bearer ${seeded.verifier}` };
    return await saturate(name, `${server.url}${verifyPath}`, verifyBody(seeded.presented[0]!), auth, (total) => checkAllOk(server.ops, total));
  } finally {
    await server.stop();
  }
}
saturation.push(await verifyCase("Verify, cache hit, 1k tokens stored", small, "bench_small"));
saturation.push(await verifyCase(`Verify, cache hit, ${bigTokens} tokens stored`, big, "bench_big"));
saturation.push(await verifyCase("Verify, cache off, 1k tokens stored", small, "bench_small", { TESSERA_VERIFY_CACHE_ENTRIES: "0" }));
saturation.push(await verifyCase(`Verify, cache off, ${bigTokens} tokens stored`, big, "bench_big", { TESSERA_VERIFY_CACHE_ENTRIES: "0" }));
for (const [seeded, dbName, label] of [[small, "bench_small", "1k"], [big, "bench_big", String(bigTokens)]] as const) {
  saturation.push(
    await withServer(
      () => startPinned("0", "bench/servers/raw-find-one.ts", { PORT: "0", MONGODB_URI: database.uri, TESSERA_DB_NAME: dbName }, /listening (\d+)/),
      (s) => saturate(`raw driver findOne by hash, ${label} tokens stored`, `http://127.0.0.1:${s.match[1]}${verifyPath}`, verifyBody(seeded.presented[0]!), {}),
    ),
  );
}
const rate = (name: string) => saturation.find((s) => s.name === name)!.median;

// Latency at fixed rates: 50% and 80% of the @grpc/grpc-js no-op saturation rate.
interface Latency {
  name: string;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  achievedRps: number;
}
const latency: Latency[] = [];
const fixedRates = [0.5, 0.8].map((f) => Math.round(f * rate("no-op RPC, @grpc/grpc-js")));
async function atRates(name: string, url: string, body: Uint8Array, headers: Record<string, string>) {
  for (const r of fixedRates) {
    const result = await h2load(url, body, headers, { ...load, requests: r * runSeconds, rate: r });
    latency.push({ name, rate: r, p50Ms: result.p50Ms, p99Ms: result.p99Ms, achievedRps: result.rps });
    log(`${name} at ${r}/s: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
  }
}
await withServer(
  () => startPinned("0", "bench/servers/grpc-js-noop.ts", { PORT: "0" }, /listening (\d+)/),
  (s) => atRates("no-op RPC, @grpc/grpc-js", `http://127.0.0.1:${s.match[1]}${verifyPath}`, verifyBody("x"), {}),
);
await withServer(
  () => startPinned("0", "bench/servers/connect-noop.ts", { PORT: "0" }, /listening (\d+)/),
  (s) => atRates("no-op RPC, connect-node", `http://127.0.0.1:${s.match[1]}${verifyPath}`, verifyBody("x"), {}),
);
{
  const server = await startIdentity("bench_small");
  await atRates("Verify, cache hit", `${server.url}${verifyPath}`, verifyBody(small.presented[0]!), { authorization: `Bearer ${small.verifier}` });
  await server.stop();
}

// Revocation propagation across two processes sharing the database.
const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const propagation: number[] = [];
{
  const writer = await startIdentity("bench_small", "0");
  const reader = await startIdentity("bench_small", "1");
  const tokens = createClient(TokenService, createConnectTransport({ baseUrl: writer.url, httpVersion: "2", interceptors: [bearer(small.admin)] }));
  const remote = createClient(VerifyService, createGrpcTransport({ baseUrl: reader.url, interceptors: [bearer(small.verifier)] }));
  const accountId = small.botAccountId;
  for (let i = 0; i < 100; i++) {
    const created = await tokens.createToken({ accountId, label: `propagation-${i}` });
    for (let j = 0; j < 2; j++) {
      // The second call is a cache hit on the reader.
      if (!(await remote.verify({ token: created.secret })).valid) throw new Error("a fresh token was not valid");
    }
    await tokens.revokeToken({ id: created.token!.id });
    const revokedAt = performance.now();
    for (;;) {
      // Not valid is an answer; a failed call is not a refusal, and ends the run.
      const { valid, reason } = await remote.verify({ token: created.secret });
      if (!valid) {
        if (reason !== "revoked") throw new Error(`a revoked token was refused as ${reason}`);
        break;
      }
    }
    propagation.push(performance.now() - revokedAt);
  }
  await writer.stop();
  await reader.stop();
  log(`revocation propagation: p50 ${percentile(propagation, 0.5).toFixed(1)} ms, p99 ${percentile(propagation, 0.99).toFixed(1)} ms`);
}

// MCP whoami tool against a direct WhoAmI RPC, sequential calls.
const mcpLatency: Record<string, { p50Ms: number; p99Ms: number }> = {};
{
  const env = identityEnv("bench_small", { TESSERA_MCP_ENABLED: "true", TESSERA_MCP_PORT: "0" });
  writeFileSync(join(env.TESSERA_DATA_DIR!, "mcp.token"), `${small.mcpCredential}\n`, { mode: 0o600 });
  const server = await startPinned("0", "services/main.ts", { ...env, TESSERA_LOG_LEVEL: "info" }, /"url":"(http:\/\/[^"]+\/mcp)"/);
  const identityUrl = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(server.output())![1]!;
  const direct = createClient(VerifyService, createConnectTransport({ baseUrl: identityUrl, httpVersion: "2", interceptors: [bearer(small.admin)] }));
  const mcp = new McpClient({ name: "bench", version: "1" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(server.match[1]!), { requestInit: { headers: { authorization: `Bearer ${small.admin}` } } }));
  const time = async (call: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) await call();
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      await call();
      samples.push(performance.now() - start);
    }
    return { p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) };
  };
  mcpLatency["WhoAmI RPC (Connect, HTTP/2)"] = await time(() => direct.whoAmI({}));
  mcpLatency["MCP whoami tool (Streamable HTTP)"] = await time(() => mcp.callTool({ name: "whoami", arguments: {} }));
  await mcp.close();
  await server.stop();
  log(`MCP: ${JSON.stringify(mcpLatency)}`);
}

// Memory per cached entry.
const secretsFile = join(mkdtempSync(join(tmpdir(), "tessera-bench-")), "secrets.json");
writeFileSync(secretsFile, JSON.stringify(big.presented.slice(1)));
const memory = JSON.parse(
  execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/cache-memory.ts"], {
    cwd: root,
    env: { ...process.env, MONGODB_URI: database.uri, TESSERA_DB_NAME: "bench_big", SECRETS_FILE: secretsFile, ENTRIES: "20000" },
  }).toString(),
) as { entries: number; bytesPerEntry: number };
log(`cache memory: ${memory.bytesPerEntry} bytes per entry over ${memory.entries} entries`);

await mongo.close();
await database.stop();

const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model }, database: database.engine, runs, runSeconds, load, saturation, latency, propagation: { samples: propagation.length, p50Ms: percentile(propagation, 0.5), p99Ms: percentile(propagation, 0.99) }, mcpLatency, memory };
writeFileSync(join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
const { renderReport } = await import("./report.ts");
writeFileSync(join(root, "docs/benchmarks.md"), renderReport(results));
log("wrote docs/benchmarks.md and bench/results.json");
process.exit(0);
