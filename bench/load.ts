// A gRPC load generator on node:http2 for what h2load cannot do: a different request per call (cold
// Verify: every presented token a cache miss), at saturation. Runs as its own process, pinned
// (see `generate`): settings in LOAD_SETTINGS (JSON), one JSON result on stdout. A call succeeds when
// it ends with grpc-status 0.
import { execFile } from "node:child_process";
import http2 from "node:http2";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

export interface LoadSettings {
  url: string;
  /** A file of gRPC request frames, one after another; they are sent in turn, each once per pass. */
  framesFile: string;
  headers: Record<string, string>;
  connections: number;
  /** Calls kept in flight, spread over the connections. */
  concurrency: number;
  requests: number;
}

export interface LoadResult {
  rps: number;
  succeeded: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

/** Splits a file of length-prefixed frames into frames. */
function framesOf(file: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < file.length; ) {
    const end = at + 5 + file.readUInt32BE(at + 1);
    frames.push(file.subarray(at, end));
    at = end;
  }
  return frames;
}

async function run(settings: LoadSettings): Promise<LoadResult> {
  const url = new URL(settings.url);
  const frames = framesOf(readFileSync(settings.framesFile));
  const sessions = Array.from({ length: settings.connections }, () => http2.connect(url.origin));
  await Promise.all(sessions.map((s) => new Promise((resolve, reject) => s.once("connect", resolve).once("error", reject))));
  const headers = { ":method": "POST", ":path": url.pathname, "content-type": "application/grpc", te: "trailers", ...settings.headers };
  const latencies: number[] = [];
  let sent = 0;
  let done = 0;
  let failed = 0;
  const started = performance.now();

  await new Promise<void>((finish) => {
    const send = () => {
      const i = sent++;
      const at = performance.now();
      const stream = sessions[i % sessions.length]!.request(headers);
      let ok = false;
      stream.on("trailers", (trailers) => (ok = trailers["grpc-status"] === "0"));
      stream.on("data", () => {});
      stream.on("close", () => {
        latencies.push(performance.now() - at);
        if (!ok) failed++;
        if (++done === settings.requests) finish();
        else if (sent < settings.requests) send();
      });
      stream.end(frames[i % frames.length]);
    };
    for (let i = 0; i < Math.min(settings.concurrency, settings.requests); i++) send();
  });

  const seconds = (performance.now() - started) / 1000;
  for (const s of sessions) s.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: settings.requests / seconds, succeeded: done - failed, failed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Runs the generator in its own process pinned to `cpu`. */
export async function generate(settings: LoadSettings, cpu: string): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)("taskset", ["-c", cpu, process.execPath, "--import", "tsx", import.meta.filename], {
    env: { ...process.env, LOAD_SETTINGS: JSON.stringify(settings) },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadResult;
}

if (import.meta.main) {
  const result = await run(JSON.parse(process.env.LOAD_SETTINGS!) as LoadSettings);
  console.log(JSON.stringify(result));
  process.exit(0);
}
