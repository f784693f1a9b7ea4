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
`;
}
