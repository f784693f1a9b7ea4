// Finds a real MongoDB-wire database for `npm start` and the tests, in order of preference:
// MONGODB_URI; a real mongod from mongodb-memory-server (needs its download site); mongo-java-server
// from Maven Central, on a Unix socket in its private data folder (on loopback when in memory).
// Each engine is bounded in time and the reason it was skipped is logged, so start-up never hangs
// silently.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export interface Database {
  uri: string;
  engine: "external" | "mongodb-memory-server" | "mongo-java-server";
  /** The database's process when this module started one (benchmarks read its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Keep data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  log?: (message: string) => void;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cacheDir = join(projectRoot, ".cache");
const memoryServerTimeoutMs = 20_000;
// A failed mongod download is remembered for a day so that every test run does not retry it.
const memoryServerRetryAfterMs = 24 * 3600_000;
const memoryServerFailureMarker = join(cacheDir, "mongodb-memory-server.unavailable");
const javaServerDir = join(projectRoot, "tools/mongo-java-server");
const javaServerLib = join(cacheDir, "mongo-java-server/lib");
const dataFileName = "tessera.mv";
const socketFileName = "mongod.sock";
// sun_path holds 108 bytes on Linux and 104 on macOS, including the terminating NUL; a longer
// path falls back to TCP on loopback.
const maxSocketPathBytes = 103;

export async function startDatabase(options: EmbeddedDatabaseOptions = {}): Promise<Database> {
  const log = options.log ?? ((message: string) => console.error(message));
  const external = process.env.MONGODB_URI;
  if (external) {
    log("database: using MONGODB_URI");
    return { uri: external, engine: "external", stop: async () => {} };
  }
  const reasons: string[] = [];
  try {
    const db = await startMemoryServer(options.dataDir, log);
    log("database: mongod from mongodb-memory-server");
    return db;
  } catch (error) {
    reasons.push(`mongodb-memory-server: ${errorMessage(error)}`);
  }
  try {
    const db = await startJavaServer(options.dataDir);
    log(`database: mongo-java-server at ${db.uri}${reasons.length ? ` (${reasons.join("; ")})` : ""}`);
    return db;
  } catch (error) {
    reasons.push(`mongo-java-server: ${errorMessage(error)}`);
  }
  throw new Error(
    `No MongoDB database is available. Set MONGODB_URI to a MongoDB 6+ server. Tried: ${reasons.join("; ")}`,
  );
}

async function startMemoryServer(dataDir: string | undefined, log: (message: string) => void): Promise<Database> {
  if (existsSync(memoryServerFailureMarker)) {
    const failedAt = Number(readFileSync(memoryServerFailureMarker, "utf8"));
    if (Date.now() - failedAt < memoryServerRetryAfterMs) {
      throw new Error("its mongod download failed recently; not retried until a day has passed");
    }
  }
  const { MongoMemoryServer } = await import("mongodb-memory-server");
  const instance = { ip: "127.0.0.1", ...(dataDir ? { dbPath: ensureDir(join(ensurePrivateDir(dataDir), "mongod")) } : {}) };
  // The library reports its own failure on console.warn as a many-line stack: pass it on as one line.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => log(`mongodb-memory-server: ${args.map(errorMessage).join(" ")}`);
  const starting = MongoMemoryServer.create({ instance });
  try {
    const server = await withTimeout(starting, memoryServerTimeoutMs, "mongod did not start in time");
    return {
      uri: server.getUri(),
      engine: "mongodb-memory-server",
      pid: server.instanceInfo?.instance.mongodProcess?.pid,
      stop: async () => void (await server.stop({ doCleanup: !dataDir })),
    };
  } catch (error) {
    // A late success must not leave a mongod running.
    starting.then((server) => server.stop()).catch(() => {});
    ensureDir(cacheDir);
    writeFileSync(memoryServerFailureMarker, String(Date.now()));
    throw error;
  } finally {
    console.warn = warn;
  }
}

/**
 * mongo-java-server. With a data folder it keeps its data in `tessera.mv` there, makes every
 * acknowledged write durable (fsync) before replying, and listens on a Unix socket in that folder,
 * which is private (0700, files 0600): only this user can reach the database. Without a folder,
 * or when a `port` is given (tests that must re-bind the same address), it listens on TCP on
 * 127.0.0.1, which every local user can reach. Exported for fault-injection tests.
 */
export async function startJavaServer(
  dataDir: string | undefined,
  port?: number,
): Promise<Database & { child: ChildProcess; socketPath?: string }> {
  await installJavaServer();
  const dir = dataDir === undefined ? undefined : ensurePrivateDir(dataDir);
  const socketPath = dir !== undefined && port === undefined ? join(resolve(dir), socketFileName) : undefined;
  const useSocket = socketPath !== undefined && process.platform !== "win32" && Buffer.byteLength(socketPath) <= maxSocketPathBytes;
  const address = useSocket ? socketPath : `127.0.0.1:${port ?? 0}`;
  const args = ["-cp", `${javaServerLib}/*`, join(javaServerDir, "Launcher.java"), address];
  if (dir !== undefined) args.push(join(dir, dataFileName));
  // stdin stays a pipe: the server exits when this process does and the pipe closes.
  const child = spawn("java", args, { stdio: ["pipe", "pipe", "pipe"] });
  let listening: string;
  try {
    listening = await withTimeout(readListeningAddress(child), 60_000, "it did not start within 60 s");
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  if (dir !== undefined) privatizeFiles(dir);
  const host = listening.startsWith("/") ? encodeURIComponent(listening) : listening;
  return {
    uri: `mongodb://${host}/?directConnection=true`,
    engine: "mongo-java-server",
    child,
    pid: child.pid,
    ...(useSocket ? { socketPath } : {}),
    stop: () => stopChild(child),
  };
}

/** Fetches mongo-java-server's jars from Maven Central into the ignored cache, once. */
async function installJavaServer(): Promise<void> {
  if (existsSync(javaServerLib) && readdirSync(javaServerLib).some((f) => f.startsWith("mongo-java-server-core"))) {
    return;
  }
  const run = promisify(execFile);
  await run(
    "mvn",
    ["-q", "-B", "-f", join(javaServerDir, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${javaServerLib}`],
    { timeout: 300_000 },
  ).catch((error: unknown) => {
    throw new Error(`could not fetch it with Maven (is a JDK with mvn installed?): ${errorMessage(error)}`);
  });
}

function readListeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = "";
    let errors = "";
    child.stderr?.on("data", (chunk) => (errors += String(chunk)));
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
      const match = /listening (.+?)\r?\n/.exec(output);
      if (match) resolvePromise(match[1]!);
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`it exited with code ${code}: ${errors.trim().slice(-500)}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once("exit", () => resolvePromise());
    child.stdin?.end();
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Creates the folder owner-only (0700), or makes an existing one so. */
function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** Files the engine or an older version left readable by others become owner-only (0600). */
function privatizeFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() || entry.isSocket()) chmodSync(join(dir, entry.name), 0o600);
  }
}

/** One line: callers log it as one JSON message. */
function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
}
