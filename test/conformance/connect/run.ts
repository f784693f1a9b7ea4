// `npm run conformance:connect`: the official Connect conformance suite (connectrpc/conformance),
// server mode, against the conformance service served through the identity API's own stack
// (rpcHandler on listen(): cleartext HTTP/2; Connect, gRPC, gRPC-Web; proto, JSON; identity, gzip;
// every stream type). The features are in config.yaml beside this file; no failure is baselined.
//
// The runner is a Go program, installed on first use with `go install` (through the Go module proxy)
// into $GOBIN when set, else into .cache/connect-conformance/<version>/; GOPATH, GOMODCACHE, GOPROXY
// and GOFLAGS are go's own and pass through. Exits non-zero on any failure or after `CONFORMANCE_TIMEOUT_MS`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const version = "v1.0.7";
const runnerModule = "connectrpc.com/conformance/cmd/connectconformance";
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const timeoutMs = Number(process.env.CONFORMANCE_TIMEOUT_MS ?? 4 * 60_000);

function fail(message: string): never {
  console.error(`conformance:connect: ${message}`);
  process.exit(1);
}

/** The go command: on PATH, else where the official tarball puts it. */
function findGo(): string {
  for (const candidate of ["go", "/usr/local/go/bin/go"]) {
    if (spawnSync(candidate, ["version"], { stdio: "ignore" }).status === 0) return candidate;
  }
  fail(
    `Go is needed to install the Connect conformance runner (${runnerModule}@${version}), and no 'go' was found ` +
      "on PATH or at /usr/local/go/bin/go. Install Go (https://go.dev/dl/) or put it on PATH.",
  );
}

/** The runner's path, installed when missing or of another version. */
function runner(): string {
  const bin = process.env.GOBIN || join(root, ".cache", "connect-conformance", version);
  const path = join(bin, "connectconformance");
  const installed = existsSync(path) ? spawnSync(path, ["--version"], { encoding: "utf8" }).stdout?.trim() : undefined;
  if (installed === `connectconformance ${version}`) return path;
  const go = findGo();
  console.log(`installing ${runnerModule}@${version} into ${bin}`);
  mkdirSync(bin, { recursive: true });
  const install = spawnSync(go, ["install", `${runnerModule}@${version}`], { stdio: "inherit", env: { ...process.env, GOBIN: bin } });
  if (install.status !== 0) fail(`'go install ${runnerModule}@${version}' failed (exit ${install.status ?? install.signal})`);
  return path;
}

const connectconformance = runner();
// The server under test runs on this same Node, with tsx's loader (no tsx wrapper process).
const server = [process.execPath, "--import", import.meta.resolve("tsx"), join(here, "server.ts")];
const args = ["--mode", "server", "--conf", join(here, "config.yaml"), ...process.argv.slice(2), "--", ...server];

const started = Date.now();
// Its own process group, so that a timeout ends the runner and the servers it started, and nothing else.
const child = spawn(connectconformance, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stderr.write(chunk);
});
let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`conformance:connect: no result after ${timeoutMs / 1000}s; stopping the runner`);
  process.kill(-child.pid!, "SIGTERM");
  setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5000).unref();
}, timeoutMs);

const code = await new Promise<number>((done) => child.once("close", (status) => done(status ?? 1)));
clearTimeout(timer);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const summary = /(\d+) passed, (\d+) failed/.exec(output);
if (timedOut) fail(`timed out after ${seconds}s`);
if (!summary) fail(`the runner printed no summary (exit ${code}, ${seconds}s)`);
const failed = Number(summary[2]);
console.log(`Connect conformance ${version}, server mode: ${summary[1]} passed, ${failed} failed in ${seconds}s`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
