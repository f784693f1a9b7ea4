// Runs bench/pacer (Go, evenly paced: request i at start + i/rate) pinned to its own core, sending one
// pre-encoded gRPC request; built once per run with the Go toolchain (standard library only).
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { root } from "./processes.ts";

export interface PacedSettings {
  connections: number;
  /** Calls in flight at most. */
  inFlight: number;
  requests: number;
  /** Requests per second, sent evenly. */
  rate: number;
  cpu: string;
}

export interface PacedResult {
  rps: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "pacer-"));
let binary: string | undefined;

/** The pacer's binary: `go build` once (Go from PATH or /usr/local/go). */
function pacer(): string {
  if (!binary) {
    const env = { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` };
    execFileSync("go", ["build", "-o", join(dir, "pacer"), "."], { cwd: join(root, "bench/pacer"), env, stdio: "inherit" });
    binary = join(dir, "pacer");
  }
  return binary;
}

export async function pacedLoad(url: string, body: Uint8Array, headers: Record<string, string>, settings: PacedSettings): Promise<PacedResult> {
  const bodyFile = join(dir, `request-${settings.rate}.bin`);
  writeFileSync(bodyFile, body);
  const args = ["-url", url, "-body", bodyFile, "-rate", String(settings.rate), "-n", String(settings.requests), "-c", String(settings.connections), "-m", String(settings.inFlight)];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const { stdout } = await run("taskset", ["-c", settings.cpu, pacer(), ...args]);
  return JSON.parse(stdout) as PacedResult;
}
