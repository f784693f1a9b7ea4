// `npm run bench`: every benchmark of docs/benchmarks.md in one run, each against baselines measured
// in the same run with the same load generator (servers pinned to core 0; load and database to core 1). Writes
// docs/benchmarks.md and bench/results.json, and prints every target with its measured value.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { MongoClient, ObjectId } from "mongodb";
import { TokenService } from "../gen/tessera/identity/v1/token_pb.ts";
import { VerifyRequestSchema, VerifyService } from "../gen/tessera/identity/v1/verify_pb.ts";
import { startDatabase } from "../services/database/embedded-database.ts";
import { grpcFrame } from "../services/identity/rpc/unary-fast-path.ts";
import type { InvalidationDoc } from "../services/identity/store/documents.ts";
import { bearer } from "../test/support/harness.ts";
import { h2load } from "./h2load.ts";
import { pacedLoad, type PacedResult } from "./pacer.ts";
import { generate, type LoadSettings } from "./load.ts";
import { cpuSeconds, root, startPinned, type Started } from "./processes.ts";
import { renderReport, targets, type Results } from "./report.ts";
import { seed, type Seeded } from "./seed.ts";

const runs = Number(process.env.BENCH_RUNS ?? 3);
/** Each measured run lasts about this long: its request count follows the warm-up's rate. */
const runSeconds = Number(process.env.BENCH_RUN_SECONDS ?? 5);
const bigTokens = Number(process.env.BENCH_BIG_TOKENS ?? 1_000_000);
/** Cold Verify presents each token once per server: a warm-up's tokens, then this many others. */
const coldRequests = Number(process.env.BENCH_COLD_REQUESTS ?? 15_000);
const coldWarmUp = 3000;
const load = { connections: 4, streams: 16, cpu: "1" };
const verifyPath = "/tessera.identity.v1.VerifyService/Verify";
const log = (message: string) => console.error(`[bench] ${message}`);

// This process and what it starts unpinned (the database) share the load generators' core, so that
// the database's own work (a JVM holding a million tokens collects garbage) stays off the servers' core.
execFileSync("taskset", ["-a", "-p", "-c", load.cpu, String(process.pid)], { stdio: "ignore" });
const database = await startDatabase({ log });
// The database's CPU is watched when this process started it (not with MONGODB_URI).
const databaseCpu = (): number => (database.pid === undefined ? 0 : cpuSeconds(database.pid));
const mongo = await new MongoClient(database.uri).connect();
log("seeding 1k tokens");
const small = await seed(mongo.db("bench_small"), 1000);

const verifyBody = (token: string) => grpcFrame(toBinary(VerifyRequestSchema, create(VerifyRequestSchema, { token })));
const scratch = mkdtempSync(join(tmpdir(), "tessera-bench-"));

function identityEnv(dbName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MONGODB_URI: database.uri,
    TESSERA_DB_NAME: dbName,
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-bench-")),
    TESSERA_PORT: "0",
    TESSERA_OPS_PORT: "0",
    TESSERA_MCP_ENABLED: "false",
    TESSERA_LOG_LEVEL: "info",
    // mongo-java-server answers the outbox sweep's indexed range queries by scanning: with a million
    // tokens, about 0.7 s of database CPU per sweep (once a second by default), which on MongoDB are
    // index lookups. Swept once a minute here; the row "… outbox swept every second" shows the default.
    TESSERA_OUTBOX_SWEEP_MS: "60000",
    ...extra,
  };
}

type Server = Started & { match: RegExpExecArray; url: string };

async function startIdentity(dbName: string, cpu = "0", extra: Record<string, string> = {}): Promise<Server & { ops: string }> {
  const started = await startPinned(cpu, "services/main.ts", identityEnv(dbName, extra), /"url":"(http:\/\/[^"]+)","msg":"operations/);
  const url = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(started.output())![1]!;
  return { ...started, url, ops: started.match[1]! };
}
const startBaseline = async (script: string, env: Record<string, string> = {}): Promise<Server> => {
  const started = await startPinned("0", script, { PORT: "0", ...env }, /listening (\d+)/);
  return { ...started, url: `http://127.0.0.1:${started.match[1]}` };
};

async function withServer<S extends Started, T>(start: () => Promise<S>, run: (s: S) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs);
const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// MCP whoami tool against a direct WhoAmI RPC: sequential calls, the two alternating so that the
// machine's drift reaches both alike, in 3 turns of a fresh server each. Measured before the big
// database is seeded: the JVM holding a million tokens shares the clients' core.
const mcpLatency: Record<string, { p50Ms: number; p99Ms: number }> = {};
{
  const names = ["WhoAmI RPC (Connect, HTTP/2)", "MCP whoami tool (Streamable HTTP)"] as const;
  const turns: Record<(typeof names)[number], { p50: number[]; p99: number[] }> = { [names[0]]: { p50: [], p99: [] }, [names[1]]: { p50: [], p99: [] } };
  for (let turn = 0; turn < runs; turn++) {
    const env = identityEnv("bench_small", { TESSERA_MCP_ENABLED: "true", TESSERA_MCP_PORT: "0" });
    writeFileSync(join(env.TESSERA_DATA_DIR!, "mcp.token"), `${small.mcpCredential}\n`, { mode: 0o600 });
    const server = await startPinned("0", "services/main.ts", env, /"url":"(http:\/\/[^"]+\/mcp)"/);
    const identityUrl = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(server.output())![1]!;
    const direct = createClient(VerifyService, createConnectTransport({ baseUrl: identityUrl, httpVersion: "2", interceptors: [bearer(small.admin)] }));
    const mcp = new McpClient({ name: "bench", version: "1" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(server.match[1]!), { requestInit: { headers: { authorization: `Bearer ${small.admin}` } } }));
    const calls = [() => direct.whoAmI({}), () => mcp.callTool({ name: "whoami", arguments: {} })];
    const samples: number[][] = [[], []];
    for (let i = 0; i < 100; i++) for (const call of calls) await call();
    for (let i = 0; i < 500; i++) {
      for (const [k, call] of calls.entries()) {
        const start = performance.now();
        await call();
        samples[k]!.push(performance.now() - start);
      }
    }
    for (const [k, name] of names.entries()) {
      turns[name].p50.push(percentile(samples[k]!, 0.5));
      turns[name].p99.push(percentile(samples[k]!, 0.99));
    }
    await mcp.close();
    await server.stop();
  }
  for (const name of names) mcpLatency[name] = { p50Ms: median(turns[name].p50), p99Ms: median(turns[name].p99) };
  log(`MCP: ${JSON.stringify(turns)}`);
}

log(`seeding ${bigTokens} tokens`);
const big = await seed(mongo.db("bench_big"), bigTokens, Math.max(20_001, coldWarmUp + coldRequests + 1));

/** A saturation result: medians of `runs` runs, and the server's CPU time per call (robust to a busy machine). */
interface Saturation {
  name: string;
  rps: number[];
  /** The database process's CPU during each run, in ms per second. */
  databaseMsPerS: number[];
  median: number;
  spread: number;
  failed: number;
  /** Calls made by the measured runs. */
  calls: number;
  cpuUsPerCall: number;
}

/**
 * One server measured at saturation: `run` loads it once (after `warmUp`) and says how many calls it
 * made; `check` then verifies the server's own account of them.
 */
interface Case {
  name: string;
  start(): Promise<Server>;
  warmUp(server: Server): Promise<void>;
  run(server: Server): Promise<{ rps: number; failed: number; requests: number }>;
  check?(server: Server): Promise<void>;
}

/**
 * Waits (up to 10 s) until the database process is idle: under 5% of a core over 250 ms. A server's
 * start-up makes the database work (mongo-java-server scans a million tokens for the outbox sweep,
 * where MongoDB uses an index; its JVM collects garbage after), on the load generator's core.
 */
async function databaseIdle(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const before = databaseCpu();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const busy = (databaseCpu() - before) / 0.25;
    if (busy < 0.05) return;
    if (Date.now() > deadline) return log(`the database stayed busy (${Math.round(busy * 100)}% of a core); measuring anyway`);
  }
}

/**
 * Measures the cases in turns: each turn starts every case's server afresh, warms it up, runs it
 * once and stops it, so that the machine's load drifts across all cases alike and no idle server
 * (an identity service polls its change log) takes CPU from another's run.
 */
async function inTurns(cases: Case[]): Promise<Saturation[]> {
  const rows = cases.map((c) => ({ c, rps: [] as number[], cpu: [] as number[], databaseMsPerS: [] as number[], failed: 0, calls: 0 }));
  for (let turn = 0; turn < runs; turn++) {
    for (const row of rows) {
      await withServer(row.c.start, async (server) => {
        await row.c.warmUp(server);
        await databaseIdle();
        const before = cpuSeconds(server.child.pid!);
        const databaseBefore = databaseCpu();
        const startedAt = performance.now();
        const result = await row.c.run(server);
        row.cpu.push(((cpuSeconds(server.child.pid!) - before) * 1e6) / result.requests);
        row.databaseMsPerS.push(((databaseCpu() - databaseBefore) * 1e6) / (performance.now() - startedAt));
        row.rps.push(result.rps);
        row.failed += result.failed;
        row.calls += result.requests;
        await row.c.check?.(server);
      });
    }
  }
  return rows.map(({ c, rps, cpu, databaseMsPerS, failed, calls }) => {
    const row = { name: c.name, rps, databaseMsPerS, median: median(rps), spread: spread(rps), failed, calls, cpuUsPerCall: median(cpu) };
    log(`${c.name}: ${Math.round(row.median)} req/s (spread ${(row.spread * 100).toFixed(0)}%), ${row.cpuUsPerCall.toFixed(1)} µs CPU per call, database ${databaseMsPerS.map((x) => x.toFixed(0)).join("/")} ms/s`);
    return row;
  });
}

/**
 * Answers "valid" to Verify as often as the load generator counted, so errors (and answers that
 * the token is not valid, which are OK responses too) cannot pass as speed.
 */
async function checkAllValid(ops: string, expected: number) {
  const text = await (await fetch(`${ops}/metrics`)).text();
  const valid = Number(/tessera_verify_total\{outcome="valid"\} (\d+)/.exec(text)?.[1] ?? 0);
  if (valid < expected) throw new Error(`only ${valid} of ${expected} Verify calls answered valid`);
}

const warmUpCalls = 3000;

/** A case for h2load: one request, repeated; each run about `runSeconds` long at the first warm-up's rate. */
function repeated(name: string, start: () => Promise<Server>, body: Uint8Array, headers: Record<string, string>, ops?: (s: Server) => string): Case {
  let requests = 0;
  return {
    name,
    start,
    async warmUp(server) {
      const result = await h2load(`${server.url}${verifyPath}`, body, headers, { ...load, requests: warmUpCalls });
      requests ||= Math.max(warmUpCalls, Math.round(result.rps * runSeconds));
    },
    run: async (server) => ({ ...(await h2load(`${server.url}${verifyPath}`, body, headers, { ...load, requests })), requests }),
    check: ops && ((server) => checkAllValid(ops(server), warmUpCalls + requests)),
  };
}

const opsOf = (server: Server) => (server as Server & { ops: string }).ops;
const baseline = (script: string, name: string) => repeated(name, () => startBaseline(script), verifyBody(small.presented[0]!), {});
const verifyCase = (name: string, seeded: Seeded, dbName: string, extra: Record<string, string> = {}) =>
  repeated(name, () => startIdentity(dbName, "0", extra), verifyBody(seeded.presented[0]!), { authorization: `Bearer ${seeded.verifier}` }, opsOf);

// Cold Verify: the cache on, every presented token a miss, against one raw driver findOne per call
// for the same tokens; both with the Node generator, which sends a different token each call. Each
// turn starts a fresh server (an empty cache), so the same tokens are new to every one.
const coldWarmUpTokens = big.presented.slice(1, 1 + coldWarmUp);
const coldRunTokens = big.presented.slice(1 + coldWarmUp, 1 + coldWarmUp + coldRequests);
/** The generator's request file for `tokens`, written once. */
const frameFiles = new Map<string[], string>();
function framesOf(tokens: string[]): string {
  let file = frameFiles.get(tokens);
  if (!file) {
    file = join(scratch, `cold-${frameFiles.size}.bin`);
    writeFileSync(file, Buffer.concat(tokens.map(verifyBody)));
    frameFiles.set(tokens, file);
  }
  return file;
}
const coldSettings = (url: string, tokens: string[], headers: Record<string, string>): LoadSettings => ({
  url: `${url}${verifyPath}`,
  framesFile: framesOf(tokens),
  headers,
  connections: load.connections,
  concurrency: load.connections * load.streams,
  requests: tokens.length,
});
function cold(name: string, start: () => Promise<Server>, headers: Record<string, string>, ops?: (s: Server) => string): Case {
  return {
    name,
    start,
    warmUp: async (server) => void (await generate(coldSettings(server.url, coldWarmUpTokens, headers), load.cpu)),
    run: async (server) => ({ ...(await generate(coldSettings(server.url, coldRunTokens, headers), load.cpu)), requests: coldRunTokens.length }),
    check: ops && ((server) => checkAllValid(ops(server), coldWarmUp + coldRequests)),
  };
}

// Throughput at saturation.
const saturation: Saturation[] = [
  ...(await inTurns([
    baseline("bench/servers/floor.ts", "transport floor (bare node:http2)"),
    baseline("bench/servers/connect-noop.ts", "no-op RPC, connect-node"),
    baseline("bench/servers/grpc-js-noop.ts", "no-op RPC, @grpc/grpc-js"),
    baseline("bench/servers/fast-path-noop.ts", "no-op RPC, Tessera's RPC pipeline without interceptors"),
    verifyCase("Verify, cache hit, 1k tokens stored", small, "bench_small"),
    verifyCase(`Verify, cache hit, ${bigTokens} tokens stored`, big, "bench_big"),
    verifyCase(`Verify, cache hit, ${bigTokens} tokens stored, outbox swept every second`, big, "bench_big", { TESSERA_OUTBOX_SWEEP_MS: "1000" }),
  ])),
  ...(await inTurns([
    verifyCase("Verify, cache off, 1k tokens stored", small, "bench_small", { TESSERA_VERIFY_CACHE_ENTRIES: "0" }),
    verifyCase(`Verify, cache off, ${bigTokens} tokens stored`, big, "bench_big", { TESSERA_VERIFY_CACHE_ENTRIES: "0" }),
  ])),
  ...(await inTurns([
    cold(`Verify, cache on, each token new, ${bigTokens} tokens stored`, () => startIdentity("bench_big"), { authorization: `Bearer ${big.verifier}` }, opsOf),
    cold(`raw driver findOne by hash, ${bigTokens} tokens stored`, () => startBaseline("bench/servers/raw-find-one.ts", { MONGODB_URI: database.uri, TESSERA_DB_NAME: "bench_big" }), {}),
  ])),
];
const rate = (name: string) => saturation.find((s) => s.name === name)!.median;

// Latency at fixed rates: 50% and 80% of the grpc-js no-op's saturation rate, from bench/pacer (Go:
// call i is sent at start + i/rate and measured from then, at most 64 in flight; h2load's rate mode
// sent in bursts that put milliseconds of queueing into both p50s). In turns of a fresh server
// each, the two servers alternating; medians over the turns.
interface Latency {
  name: string;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  achievedRps: number;
}
const fixedRates = [0.5, 0.8].map((f) => Math.round(f * rate("no-op RPC, @grpc/grpc-js")));
const rateCases: { name: string; start: () => Promise<Server>; body: Uint8Array; headers: Record<string, string> }[] = [
  { name: "no-op RPC, @grpc/grpc-js", start: () => startBaseline("bench/servers/grpc-js-noop.ts"), body: verifyBody("x"), headers: {} },
  { name: "Verify, cache hit", start: () => startIdentity("bench_small"), body: verifyBody(small.presented[0]!), headers: { authorization: `Bearer ${small.verifier}` } },
];
const paced: Map<string, PacedResult[]> = new Map();
for (let turn = 0; turn < runs; turn++) {
  for (const c of rateCases) {
    await withServer(c.start, async (server) => {
      for (const r of fixedRates) {
        const settings = { connections: load.connections, inFlight: load.connections * load.streams, cpu: load.cpu, rate: r };
        // A second at the rate to warm up, then the measured run.
        await pacedLoad(`${server.url}${verifyPath}`, c.body, c.headers, { ...settings, requests: r });
        const result = await pacedLoad(`${server.url}${verifyPath}`, c.body, c.headers, { ...settings, requests: r * runSeconds });
        if (result.failed > 0) throw new Error(`${c.name} at ${r}/s: ${result.failed} calls failed`);
        const key = `${c.name}@${r}`;
        paced.set(key, [...(paced.get(key) ?? []), result]);
        log(`${c.name} at ${r}/s: p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms`);
      }
    });
  }
}
const latency: Latency[] = rateCases.flatMap((c) =>
  fixedRates.map((r) => {
    const results = paced.get(`${c.name}@${r}`)!;
    return {
      name: c.name,
      rate: r,
      p50Ms: median(results.map((x) => x.p50Ms)),
      p99Ms: median(results.map((x) => x.p99Ms)),
      achievedRps: median(results.map((x) => x.rps)),
    };
  }),
);

// Revocation propagation across two processes sharing the database: quiet, and right after a
// burst of 10,000 unrelated invalidation events in the change log.
async function propagation(samples: number, burst: number): Promise<number[]> {
  // The reader, whose polling is measured, has the servers' core to itself; the writer only revokes.
  const writer = await startIdentity("bench_small", load.cpu);
  const reader = await startIdentity("bench_small", "0");
  const tokens = createClient(TokenService, createConnectTransport({ baseUrl: writer.url, httpVersion: "2", interceptors: [bearer(small.admin)] }));
  const remote = createClient(VerifyService, createGrpcTransport({ baseUrl: reader.url, interceptors: [bearer(small.verifier)] }));
  const changeLog = mongo.db("bench_small").collection<InvalidationDoc>("invalidations");
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const created = await tokens.createToken({ accountId: small.botAccountId, label: `propagation-${i}` });
    for (let j = 0; j < 2; j++) {
      // The second call is a cache hit on the reader.
      if (!(await remote.verify({ token: created.secret })).valid) throw new Error("a fresh token was not valid");
    }
    const unrelated = Array.from({ length: burst }, (_, k) => ({ _id: new ObjectId(), kind: "token" as const, key: `unrelated-${i}-${k}`, time: new Date() }));
    if (burst > 0) await changeLog.insertMany(unrelated, { ordered: false });
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
    times.push(performance.now() - revokedAt);
    // Each revocation follows one burst, not all the bursts before it: the log is left as it was.
    if (burst > 0) await changeLog.deleteMany({ _id: { $in: unrelated.map((e) => e._id) } });
  }
  await writer.stop();
  await reader.stop();
  log(`revocation propagation (burst ${burst}): p50 ${percentile(times, 0.5).toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms`);
  return times;
}
const quiet = await propagation(100, 0);
const burst = await propagation(30, 10_000);
const summary = (xs: number[]) => ({ samples: xs.length, p50Ms: percentile(xs, 0.5), p99Ms: percentile(xs, 0.99) });

// Memory per cached entry, and the cost of one invalidation with a full cache (own processes, core 0).
const secretsFile = join(scratch, "secrets.json");
writeFileSync(secretsFile, JSON.stringify(big.presented.slice(1, 20_001)));
const node = (script: string, flags: string[], env: Record<string, string> = {}) =>
  JSON.parse(
    execFileSync("taskset", ["-c", "0", process.execPath, ...flags, "--import", "tsx", script], { cwd: root, env: { ...process.env, ...env } }).toString(),
  ) as unknown;
const memory = node("bench/cache-memory.ts", ["--expose-gc"], {
  MONGODB_URI: database.uri,
  TESSERA_DB_NAME: "bench_big",
  SECRETS_FILE: secretsFile,
  ENTRIES: "20000",
}) as Results["memory"];
log(`cache memory: ${memory.bytesPerEntry} bytes per entry over ${memory.entries} entries`);
const allocation = node("bench/allocation.ts", ["--expose-gc", "--max-semi-space-size=256"], {
  MONGODB_URI: database.uri,
  TESSERA_DB_NAME: "bench_small",
  TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-bench-")),
  PRESENTED: small.presented[0]!,
  CALLER: small.verifier,
}) as Results["allocation"];
log(`allocation: ${allocation.bytesPerCall} bytes per cache-hit Verify in process, ${allocation.wallUsPerCall.toFixed(1)} µs`);
const invalidation = node("bench/invalidation-cost.ts", []) as Results["invalidation"];
log(`invalidation with ${invalidation.entries} entries: account p50 ${invalidation.account.p50Us} µs, token p50 ${invalidation.token.p50Us} µs`);

await mongo.close();
await database.stop();

const results: Results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  database: database.engine,
  runs,
  runSeconds,
  load,
  saturation,
  latency,
  propagation: summary(quiet),
  propagationDuringBurst: { ...summary(burst), burst: 10_000 },
  mcpLatency,
  memory,
  allocation,
  invalidation,
};
writeFileSync(join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, "docs/benchmarks.md"), renderReport(results));
console.log(targets(results).map((t) => `${t.met ? "met   " : "MISSED"}  ${t.target}: ${t.measured}`).join("\n"));
log("wrote docs/benchmarks.md and bench/results.json");
process.exit(0);
