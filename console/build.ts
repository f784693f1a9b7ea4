// `npm start` runs this first (prestart): builds the console into dist/console when any of its
// inputs is newer than the last build, so a fresh clone needs no extra command.
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

const built = statSync(join(repo, "dist", "console", "index.html"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (Math.max(...inputs.map(newest)) > built) {
  console.error("building the web console (dist/console)…");
  await build({ configFile: join(root, "vite.config.ts") });
}
