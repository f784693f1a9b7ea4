// Runs the real `tessera` binary as a process, the way a shell or a pipeline does.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const cliPath = join(root, "cli/bin.mjs");

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** TESSERA_TOKEN; null: unset. */
  token?: string | null;
  stdin?: string;
  env?: Record<string, string>;
  /** Behave as on a terminal this many columns wide (TESSERA_FORCE_TTY). */
  tty?: number;
}

/** A runner against the service at `url`, presenting `defaultToken` unless told otherwise. */
export function cli(url: () => string, defaultToken: () => string) {
  return function tessera(args: string[], options: RunOptions = {}): Promise<Result> {
    const token = options.token === undefined ? defaultToken() : options.token;
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", TESSERA_URL: url(), ...options.env };
    if (token !== null) env.TESSERA_TOKEN = token;
    if (options.tty !== undefined) env.TESSERA_FORCE_TTY = String(options.tty);
    return runProcess(process.execPath, [cliPath, ...args], env, options.stdin);
  };
}

export function runProcess(command: string, args: string[], env: Record<string, string>, stdin = "", cwd = root): Promise<Result> {
  const child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += String(c)));
  child.stderr.on("data", (c) => (stderr += String(c)));
  child.stdin.on("error", () => {});
  child.stdin.end(stdin);
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Tab-separated output as records, keyed by the header line. */
export function tsv(stdout: string): Record<string, string>[] {
  const [header, ...lines] = stdout.replace(/\n+$/, "").split("\n");
  const keys = header!.split("\t");
  return lines.filter(Boolean).map((line) => Object.fromEntries(line.split("\t").map((v, i) => [keys[i], v])));
}

/** `key<TAB>value` lines of a detail view, up to the first blank line. */
export function fields(stdout: string): Record<string, string> {
  const head = stdout.split("\n\n")[0]!;
  return Object.fromEntries(head.split("\n").filter(Boolean).map((line) => line.split("\t", 2) as [string, string]));
}
