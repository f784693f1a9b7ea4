// `npm start` runs this first (prestart), and the integration tests' global setup calls it: builds
// the console into dist/console when any of its inputs is newer than the last build, so a fresh
// clone needs no extra command. Its one line of output is JSON, like every log line of npm start.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const repo = join(root, "..");
const inputs = [join(root, "src"), join(root, "index.html"), join(root, "vite.config.ts"), join(repo, "gen"), join(repo, "client"), join(repo, "package-lock.json")];

function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds the console unless dist/console is newer than everything it is built from. */
export async function buildConsoleIfStale(): Promise<void> {
  const built = statSync(join(repo, "dist", "console", "index.html"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (Math.max(...inputs.map(newest)) <= built) return;
  process.stderr.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: "building the web console", dir: "dist/console" })}\n`);
  await build({ configFile: join(root, "vite.config.ts") });
}

if (import.meta.main) await buildConsoleIfStale();
