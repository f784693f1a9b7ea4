// Renders bench/results.json as docs/benchmarks.md: the table, the targets, the command, the machine.
interface Results {
  date: string;
  machine: { cpus: number; model?: string };
  database: string;
  runs: number;
  runSeconds: number;
  load: { connections: number; streams: number; cpu: string };
  saturation: { name: string; rps: number[]; median: number; spread: number }[];
  latency: { name: string; rate: number; p50Ms: number; p99Ms: number; achievedRps: number }[];
  propagation: { samples: number; p50Ms: number; p99Ms: number };
  mcpLatency: Record<string, { p50Ms: number; p99Ms: number }>;
  memory: { entries: number; bytesPerEntry: number };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

export function renderReport(r: Results): string {
  const rps = (prefix: string) => r.saturation.find((s) => s.name.startsWith(prefix))!.median;
  const floor = rps("transport floor");
  const connect = rps("no-op RPC, connect-node");
  const grpcJs = rps("no-op RPC, @grpc/grpc-js");
  const hitSmall = rps("Verify, cache hit, 1k");
  const hitBig = r.saturation.filter((s) => s.name.startsWith("Verify, cache hit"))[1]!.median;
  const coldSmall = rps("Verify, cache off, 1k");
  const coldBig = r.saturation.filter((s) => s.name.startsWith("Verify, cache off"))[1]!.median;
  const rawSmall = rps("raw driver findOne by hash, 1k");
  const hitAtHalf = r.latency.find((l) => l.name === "Verify, cache hit")!;
  const [direct, tool] = Object.values(r.mcpLatency);
  const mcpOverhead = tool!.p50Ms - direct!.p50Ms;
  const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

  const saturationRows = r.saturation
    .map((s) => `| ${s.name} | ${Math.round(s.median)} | ${pct(s.spread)} | ${pct(s.median / floor)} | ${pct(s.median / grpcJs)} | ${pct(s.median / connect)} |`)
    .join("\n");
  const latencyRows = r.latency
    .map((l) => `| ${l.name} | ${l.rate} | ${Math.round(l.achievedRps)} | ${ms(l.p50Ms)} | ${ms(l.p99Ms)} |`)
    .join("\n");
  const mcpRows = Object.entries(r.mcpLatency)
    .map(([name, l]) => `| ${name} | ${ms(l.p50Ms)} | ${ms(l.p99Ms)} |`)
    .join("\n");

  return `# Verify benchmarks

Measured ${r.date.slice(0, 10)} by \`npm run bench\` (\`bench/run.ts\`; raw numbers in \`bench/results.json\`).
Machine: ${r.machine.cpus} cores, ${r.machine.model ?? "unknown CPU"}; database: ${r.database} on loopback.
Load generator: h2load (nghttp2-client) sending one pre-encoded gRPC request, ${r.load.connections}
connections × ${r.load.streams} streams, pinned to core ${r.load.cpu}; every server pinned to core 0.
Saturation: a warm-up, then ${r.runs} runs of about ${r.runSeconds} s each (median and spread =
(max − min) / median). Every Verify run is checked against the service's own metrics: all calls
answered OK. Only ratios within this run are meaningful; the machine is shared and noisy.

## Throughput at saturation

| server | req/s | spread | of floor | of grpc-js no-op | of connect no-op |
| --- | ---: | ---: | ---: | ---: | ---: |
${saturationRows}

## Latency at fixed rates (50% and 80% of the grpc-js no-op saturation rate)

| server | target req/s | achieved req/s | p50 | p99 |
| --- | ---: | ---: | ---: | ---: |
${latencyRows}

## Targets

| target | measured | |
| --- | --- | --- |
| cache-hit Verify over gRPC ≥ 80% of the grpc-js no-op | ${pct(hitSmall / grpcJs)} | ${verdict(hitSmall / grpcJs >= 0.8)} |
| p99 ≤ 1 ms at 50% of that rate | ${ms(hitAtHalf.p99Ms)} at ${hitAtHalf.rate}/s | ${verdict(hitAtHalf.p99Ms <= 1)} |
| cold Verify ≤ 1.3× the raw findOne (cost per call) | ${(rawSmall / coldSmall).toFixed(2)}× | ${verdict(rawSmall / coldSmall <= 1.3)} |
| revocation reaches another instance ≤ 250 ms p99 | p50 ${ms(r.propagation.p50Ms)}, p99 ${ms(r.propagation.p99Ms)} over ${r.propagation.samples} | ${verdict(r.propagation.p99Ms <= 250)} |
| 1M tokens within 10% of 1k (cache hit / cache off) | ${pct(hitBig / hitSmall)} / ${pct(coldBig / coldSmall)} | ${verdict(hitBig / hitSmall >= 0.9 && coldBig / coldSmall >= 0.9)} |
| MCP overhead ≤ 3 ms (p50, whoami tool − WhoAmI RPC) | ${ms(mcpOverhead)} | ${verdict(mcpOverhead <= 3)} |

## MCP against a direct RPC (sequential calls, 300 each)

| call | p50 | p99 |
| --- | ---: | ---: |
${mcpRows}

## Memory

${r.memory.bytesPerEntry} bytes of heap per cached verified token (${r.memory.entries} entries; token, account and
grants as read). The default bound of 100,000 entries is thus about ${Math.round((r.memory.bytesPerEntry * 100_000) / 1e6)} MB.

## What the profiles say (\`BENCH_PROFILE=<dir> npm run bench\`)

- **connect-node** spends a small unary call mostly on protocol machinery: async-iterable
  pipelines per call, about 23% of CPU in garbage collection, and about 7% constructing
  \`DOMException\`s, because the handler context's AbortController is aborted without a reason at
  the end of every call (\`protocol-grpc/handler-factory.js\`, \`connect-node\`'s universal handler).
  It also reports an unparsable request body as \`INTERNAL\` (\`protocol/serialization.js\`). Both
  are worth reporting upstream. Tessera therefore serves unary calls over gRPC and the Connect
  protocol on a direct route (\`services/identity/rpc/unary-fast-path.ts\`) that runs the same
  interceptors and handlers; that is why Verify beats the connect-node no-op above.
- **Cache-hit Verify** is still short of the grpc-js no-op. What remains per call: Node's HTTP/2
  compatibility objects, protobuf-es's reflective \`create\`/\`toBinary\` of the identity, two
  checksum checks and SHA-256 hashes (the caller's credential and the presented token), and the
  interceptor chain (metrics histogram, request id, audit record). Next steps: serve the route on
  the raw \`stream\` event, memoise the encoded identity per cache entry, key the caller's cached
  credential without re-hashing.
- **p99 at fixed rates**: h2load's rate mode releases each second's requests per connection in a
  burst, so even the grpc-js no-op shows tens of milliseconds at p99 on this 2-core machine; compare
  p50s.
- **Cold Verify** with the cache off makes four reads (the caller's token and account, the presented
  token and its account) against the raw server's one. With the cache on, only the presented token's
  reads remain on a miss; h2load's single repeated request cannot produce that case.
- **1M tokens**: this benchmark found a real defect: last-use writes filtered with \`$or\`, which
  made the embedded engine scan the collection, so cold Verify with 1M tokens ran at a quarter of
  the 1k rate; writes now go by \`_id\` and the two match. The cache-hit difference is within the
  run's spread (the hit path does not read the database).
- **MCP**: each stateless request verifies the caller (one RPC), builds a server with 19 tools,
  runs the tool's RPC and speaks JSON over HTTP/1.1; caching the caller's verification briefly and
  reusing the tool registrations are the obvious next steps.
`;
}

if (import.meta.main) {
  // Re-renders the report from bench/results.json without measuring again.
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const root = join(import.meta.dirname, "..");
  writeFileSync(join(root, "docs/benchmarks.md"), renderReport(JSON.parse(readFileSync(join(root, "bench/results.json"), "utf8"))));
}
