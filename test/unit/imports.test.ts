// The shape of the code: packages import one way (gen/ ← client/ ← cli/, mcp/ ← services/, with
// common/ beneath them all), no files import each other in a circle, and the image copies every
// package the entry points reach. tools/check-imports.ts reads the graph; `npm run check:imports`
// runs the same check from the command line. Reads files only: no database, no processes.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkImports, findings, packageOf, type Import } from "../../tools/check-imports.ts";

const root = resolve(import.meta.dirname, "../..");
const check = checkImports(root);
const internal = check.graph.imports.filter((i) => !i.external);

/** Files loaded when `entry` starts, before any dynamic import: what it costs to start. */
function loadedAtStart(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set([entry]);
  const npm = new Set<string>();
  for (const file of files) {
    for (const i of check.graph.imports) {
      if (i.from !== file || i.dynamic || i.typeOnly) continue;
      if (i.external) npm.add(i.to);
      else files.add(i.to);
    }
  }
  return { files, packages: npm };
}

describe("imports", () => {
  it("can all be followed", () => {
    expect(check.problems).toEqual([]);
    expect(check.graph.files.length).toBeGreaterThan(100);
  });

  it("go one way between packages, with no cycle between packages or files", () => {
    expect(check.layering).toEqual([]);
    expect(check.packageCycles).toEqual([]);
    expect(check.fileCycles).toEqual([]);
    // Cycles through type imports only are harmless at run time; outside services/ there are none.
    expect(check.typeOnlyFileCycles.flat().filter((file) => !file.startsWith("services/"))).toEqual([]);
  });

  it("from cli/ and mcp/ never reach services/, except bootstrap's lazy import", () => {
    const intoServices = internal.filter((i) => /^(cli|mcp)\//.test(i.from) && i.to.startsWith("services/"));
    expect(intoServices).toEqual<Import[]>([
      { from: "cli/commands/organization.ts", to: "services/identity/bootstrap-command.ts", external: false, dynamic: true, typeOnly: false },
    ]);
  });

  it("from client/ reach only gen/ and the RPC libraries", () => {
    const fromClient = check.graph.imports.filter((i) => i.from.startsWith("client/"));
    expect(fromClient.filter((i) => !i.external && !/^(client|gen)\//.test(i.to))).toEqual([]);
    expect(fromClient.filter((i) => i.external && !/^@(bufbuild|connectrpc)\//.test(i.to))).toEqual([]);
  });

  it("of the CLI and the MCP server load neither the service nor the MongoDB driver at start", () => {
    for (const entry of ["cli/main.ts", "mcp/main.ts", "mcp/stdio.ts"]) {
      const { files, packages } = loadedAtStart(entry);
      expect([...files].filter((file) => file.startsWith("services/")), entry).toEqual([]);
      expect([...packages].filter((name) => /^(mongodb|bson)/.test(name)), entry).toEqual([]);
    }
  });

  it("reach only packages the image copies", () => {
    const copied = [...readFileSync(join(root, "Dockerfile"), "utf8").matchAll(/^COPY (?!--from)(\S+) /gm)].map((m) => m[1]);
    const entries = ["services/main.ts", "services/identity/bootstrap-command.ts", "mcp/main.ts", "mcp/stdio.ts", "cli/main.ts"];
    const reached = new Set<string>();
    for (const entry of entries) {
      const files = new Set([entry]);
      for (const file of files) for (const i of internal) if (i.from === file && !i.typeOnly) files.add(i.to);
      for (const file of files) reached.add(packageOf(file));
    }
    expect([...reached].filter((p) => !copied.includes(p)).sort()).toEqual([]);
  });
});

describe("the import check", () => {
  function tree(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "tessera-imports-"));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it("finds cycles between files, through type imports too, and between packages", () => {
    const found = checkImports(
      tree({
        "services/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n',
        "services/b.ts": 'export { a } from "./a.ts";\nexport const b = 1;\n',
        "mcp/c.ts": 'import type { D } from "./d.ts";\nexport type C = D;\n',
        "mcp/d.ts": 'import type { C } from "./c.ts";\nimport "../services/a.ts";\nexport type D = C;\n',
      }),
    );
    expect(found.fileCycles).toEqual([["services/a.ts", "services/b.ts"]]);
    expect(found.typeOnlyFileCycles).toEqual([["mcp/c.ts", "mcp/d.ts"]]);
    expect(found.packageCycles).toEqual([]);
    expect(found.layering).toEqual(["mcp/d.ts → services/a.ts: mcp/ may import client/, common/, gen/"]);
  });

  it("finds package cycles and wrong-way imports, dynamic ones included, and refuses what it cannot follow", () => {
    const found = checkImports(
      tree({
        "client/x.ts": 'export const x = async () => import("../cli/y.ts");\n',
        "cli/y.ts": 'import { x } from "../client/x.ts";\nexport const y = x;\nexport const z = (m: string) => import(m);\n',
        "common/w.ts": 'import "./missing.ts";\n',
      }),
    );
    expect(found.packageCycles).toEqual([["cli", "client"]]);
    expect(found.layering).toEqual(["client/x.ts → cli/y.ts: client/ may import gen/"]);
    expect(found.problems).toEqual([
      "cli/y.ts: dynamic import of a computed specifier (m) cannot be checked",
      'common/w.ts: cannot resolve "./missing.ts"',
    ]);
    expect(findings(found)).toHaveLength(5);
  });
});
