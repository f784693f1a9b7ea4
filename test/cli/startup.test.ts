// What the `tessera` command loads: an API client needs neither the identity service's code nor the
// MongoDB driver, so only `tessera bootstrap` (which writes to the database itself) loads them, and
// only when it runs. Each run records every module the process resolves.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const rootUrl = pathToFileURL(`${root}/`).href;
const databasePackages = /\/node_modules\/(mongodb|bson|mongodb-memory-server[^/]*)\//;

interface Run {
  code: number | null;
  stderr: string;
  /** URLs of every module the process resolved. */
  modules: string[];
}

function tessera(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const record = join(mkdtempSync(join(tmpdir(), "tessera-modules-")), "modules.txt");
  const child = spawn(process.execPath, ["--import", join(root, "test/support/record-modules.mjs"), join(root, "cli/bin.mjs"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", TESSERA_RECORD_MODULES: record, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  return new Promise((resolvePromise) =>
    child.on("exit", (code) => resolvePromise({ code, stderr, modules: readFileSync(record, "utf8").split("\n") })),
  );
}

const projectFiles = (run: Run) => run.modules.filter((url) => url.startsWith(rootUrl) && !url.includes("/node_modules/")).map((url) => url.slice(rootUrl.length));

describe("tessera startup", () => {
  it("--help loads the client and the CLI, not the service or the MongoDB driver", async () => {
    const help = await tessera(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(projectFiles(help)).toContain("client/client.ts");
    expect(projectFiles(help).filter((file) => !/^(cli|client|common|gen)\//.test(file))).toEqual([]);
    expect(help.modules.filter((url) => databasePackages.test(url))).toEqual([]);
  });

  it("a command that calls the API loads no more of them", async () => {
    const whoami = await tessera(["whoami", "--timeout", "2"], { TESSERA_URL: "http://127.0.0.1:1", TESSERA_TOKEN: "tsr_unused" });
    expect(whoami.code).toBe(1); // unavailable: nothing listens there
    expect(whoami.stderr).toContain("unavailable");
    expect(projectFiles(whoami).filter((file) => file.startsWith("services/"))).toEqual([]);
    expect(whoami.modules.filter((url) => databasePackages.test(url))).toEqual([]);
  });

  it("bootstrap loads them when it runs, keeping its exit codes (the recording sees the driver when it is loaded)", async () => {
    const bootstrap = await tessera(["bootstrap", "--org", "Bad Org"]);
    expect(bootstrap.code).toBe(2); // refused before connecting: bad input
    expect(bootstrap.stderr).toContain("--org");
    expect(projectFiles(bootstrap)).toContain("services/identity/bootstrap-command.ts");
    expect(bootstrap.modules.some((url) => /\/node_modules\/mongodb\//.test(url))).toBe(true);
  });
});
