// `npm run check:imports`: the import graph of the project's code, read with a real parser (oxc) so
// that type-only, re-exported and dynamic imports all count, then checked for cycles between files
// and between packages, and for the one-way rules between packages. Exits 1 on any finding.
//
// The packages and who may import whom (a package may always import itself):
//   gen/      generated from proto/; nothing of ours
//   client/   the typed client and the API's codecs: gen/ only
//   common/   what the processes share (configuration, env parsing, listening): client/ only
//   cli/, mcp/  clients of the API: client/, common/, gen/; never services/
//   services/ the identity service: any of the above (it runs the MCP server beside itself)
//   console/  the web console, bundled for the browser: client/, gen/ only
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseSync } from "oxc-parser";

export const packages = ["gen", "client", "common", "cli", "mcp", "services", "console"] as const;
export type Package = (typeof packages)[number];

const mayImport: Record<Package, readonly Package[]> = {
  gen: [],
  client: ["gen"],
  common: ["client"],
  cli: ["client", "common", "gen"],
  mcp: ["client", "common", "gen"],
  services: ["client", "common", "gen", "mcp"],
  console: ["client", "gen"],
};

/**
 * Imports allowed across the rules above, each only as a dynamic import from the named file.
 * `tessera bootstrap` writes to the database directly, so it loads the service's bootstrap when it
 * runs; no other command loads services/ or the MongoDB driver.
 */
export const lazyExceptions: readonly { from: string; to: string }[] = [
  { from: "cli/commands/organization.ts", to: "services/identity/bootstrap-command.ts" },
];

export interface Import {
  /** Importing file, relative to the root, with "/" separators. */
  from: string;
  /** The imported file relative to the root, or the bare specifier of a package ("mongodb", "node:fs"). */
  to: string;
  external: boolean;
  dynamic: boolean;
  /** Erased at run time (`import type`, or every name marked `type`). */
  typeOnly: boolean;
}

export interface ImportGraph {
  files: string[];
  imports: Import[];
  /** Imports the checker could not follow: unresolved relative paths, computed dynamic specifiers. */
  problems: string[];
}

const sourceFile = /\.(ts|tsx|mts|mjs|js)$/;

function sourceFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  if (!statSync(join(root, dir), { throwIfNoEntry: false })?.isDirectory()) return found;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...sourceFiles(root, path));
    else if (sourceFile.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

// As the bundler resolution of tsconfig.json: our code names files with their extension; gen/ leaves it out.
function resolveFile(path: string): string | undefined {
  return [path, `${path}.ts`, path.replace(/\.js$/, ".ts"), `${path}/index.ts`].find(isFile);
}

/** Reads every source file under `dirs` (relative to `root`) and the imports each one makes. */
export function importGraph(root: string, dirs: readonly string[] = packages): ImportGraph {
  const files = dirs.flatMap((dir) => sourceFiles(root, dir)).sort();
  const imports: Import[] = [];
  const problems: string[] = [];
  for (const from of files) {
    const source = readFileSync(join(root, from), "utf8");
    const { module, errors } = parseSync(from, source);
    if (errors.length) problems.push(`${from}: does not parse: ${errors[0]!.message}`);
    const add = (specifier: string, dynamic: boolean, typeOnly: boolean) => {
      if (!specifier.startsWith(".")) {
        imports.push({ from, to: specifier, external: true, dynamic, typeOnly });
        return;
      }
      const target = resolveFile(resolve(root, dirname(from), specifier));
      if (!target) problems.push(`${from}: cannot resolve "${specifier}"`);
      else imports.push({ from, to: relative(root, target).split(sep).join("/"), external: false, dynamic, typeOnly });
    };
    for (const i of module.staticImports) {
      const typeOnly = i.entries.length > 0 && i.entries.every((e) => e.isType);
      add(i.moduleRequest.value, false, typeOnly);
    }
    for (const e of module.staticExports) {
      for (const entry of e.entries) if (entry.moduleRequest) add(entry.moduleRequest.value, false, entry.isType);
    }
    for (const d of module.dynamicImports) {
      const text = source.slice(d.moduleRequest.start, d.moduleRequest.end);
      const literal = /^(["'])([^"'`]+)\1$/.exec(text.trim());
      if (literal) add(literal[2]!, true, false);
      else problems.push(`${from}: dynamic import of a computed specifier (${text}) cannot be checked`);
    }
  }
  return { files, imports: dedupe(imports), problems };
}

// A file that imports the same module twice (a type and a value import) is one edge; it is dynamic
// or type-only only when every import of it is.
function dedupe(imports: Import[]): Import[] {
  const byEdge = new Map<string, Import>();
  for (const i of imports) {
    const key = `${i.from}\0${i.to}`;
    const seen = byEdge.get(key);
    byEdge.set(key, seen ? { ...seen, dynamic: seen.dynamic && i.dynamic, typeOnly: seen.typeOnly && i.typeOnly } : i);
  }
  return [...byEdge.values()];
}

export function packageOf(file: string): string {
  return file.split("/", 1)[0]!;
}

/** Strongly connected components with more than one member, or a member that imports itself (Tarjan). */
export function cycles(edges: readonly (readonly [string, string])[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || next.get(node)!.includes(node)) found.push(component.sort());
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** Imports of one package by another that the rules do not allow. */
export function layeringViolations(graph: ImportGraph): string[] {
  const violations: string[] = [];
  for (const i of graph.imports) {
    if (i.external) continue;
    const from = packageOf(i.from) as Package;
    const to = packageOf(i.to);
    if (from === to || !(from in mayImport)) continue;
    if (mayImport[from].includes(to as Package)) continue;
    if (i.dynamic && lazyExceptions.some((e) => e.from === i.from && e.to === i.to)) continue;
    violations.push(`${i.from} → ${i.to}: ${from}/ may import ${mayImport[from].map((p) => `${p}/`).join(", ") || "nothing of ours"}`);
  }
  return violations;
}

export interface ImportCheck {
  graph: ImportGraph;
  /** Imports the checker could not follow. */
  problems: string[];
  /** Files that import each other at run time. */
  fileCycles: string[][];
  /** Files that import each other only through `import type`: harmless at run time, still two owners of one concept. */
  typeOnlyFileCycles: string[][];
  packageCycles: string[][];
  layering: string[];
}

export function checkImports(root: string): ImportCheck {
  const graph = importGraph(root);
  const internal = graph.imports.filter((i) => !i.external);
  const fileCycles = cycles(internal.filter((i) => !i.typeOnly).map((i) => [i.from, i.to] as const));
  const withTypes = cycles(internal.map((i) => [i.from, i.to] as const));
  const packageEdges = internal.filter((i) => packageOf(i.from) !== packageOf(i.to)).map((i) => [packageOf(i.from), packageOf(i.to)] as const);
  return {
    graph,
    problems: graph.problems,
    fileCycles,
    typeOnlyFileCycles: withTypes.filter((c) => !fileCycles.some((runtime) => runtime.every((file) => c.includes(file)))),
    packageCycles: cycles(packageEdges),
    layering: layeringViolations(graph),
  };
}

/** Every finding as a line of text. */
export function findings(check: ImportCheck): string[] {
  return [
    ...check.problems,
    ...check.fileCycles.map((c) => `file cycle: ${c.join(" ⇄ ")}`),
    ...check.typeOnlyFileCycles.map((c) => `file cycle through type imports: ${c.join(" ⇄ ")}`),
    ...check.packageCycles.map((c) => `package cycle: ${c.map((p) => `${p}/`).join(" ⇄ ")}`),
    ...check.layering,
  ];
}

if (import.meta.main) {
  const check = checkImports(resolve(import.meta.dirname, ".."));
  const found = findings(check);
  const files = check.graph.files.length;
  if (found.length) {
    for (const finding of found) console.error(finding);
    console.error(`\n${found.length} import problem(s) in ${files} files`);
    process.exit(1);
  }
  const internal = check.graph.imports.filter((i) => !i.external).length;
  console.log(`${files} files, ${internal} imports between them: no cycle between files or packages; packages import one way`);
}
