// Runs h2load (Debian's nghttp2-client) pinned to its own core, sending one pre-encoded gRPC
// request over and over, and reads throughput and per-request latencies from its output.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface LoadSettings {
  connections: number;
  streams: number;
  requests: number;
  /** Total requests per second; unset: as fast as possible. */
  rate?: number;
  cpu: string;
}

export interface LoadResult {
  rps: number;
  succeeded: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

const run = promisify(execFile);

export async function h2load(url: string, body: Uint8Array, headers: Record<string, string>, settings: LoadSettings): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "h2load-"));
  const bodyFile = join(dir, "request.bin");
  const logFile = join(dir, "log.tsv");
  writeFileSync(bodyFile, body);
  const args = [
    "-c", String(settings.connections),
    "-m", String(settings.streams),
    "-n", String(settings.requests),
    "-d", bodyFile,
    "--log-file", logFile,
    "-H", "content-type: application/grpc",
    "-H", "te: trailers",
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
  ];
  if (settings.rate) args.push("--rps", String(Math.max(1, Math.round(settings.rate / settings.connections))));
  const { stdout } = await run("taskset", ["-c", settings.cpu, "h2load", ...args, url], { maxBuffer: 16 * 1024 * 1024 });
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout)?.[1]);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(stdout);
  const durations = readFileSync(logFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => Number(line.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? NaN;
  return { rps, succeeded: Number(counts?.[1]), failed: Number(counts?.[2]), p50Ms: at(0.5), p99Ms: at(0.99) };
}
