// Starts a server process pinned to a core and waits for it to say where it listens.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..");

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** BENCH_PROFILE=<dir> writes a CPU profile of every server into that folder (node --cpu-prof). */
const profiling = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];

export async function startPinned(cpu: string, script: string, env: Record<string, string>, ready: RegExp): Promise<Started & { match: RegExpExecArray }> {
  const child = spawn("taskset", ["-c", cpu, process.execPath, ...profiling, "--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += String(c)));
  child.stderr!.on("data", (c) => (output += String(c)));
  const match = await new Promise<RegExpExecArray>((resolvePromise, reject) => {
    const timer = setInterval(() => {
      const found = ready.exec(output);
      if (found) {
        clearInterval(timer);
        resolvePromise(found);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${script} exited: ${output}`));
      }
    }, 50);
  });
  return {
    child,
    match,
    output: () => output,
    stop: () =>
      new Promise((resolvePromise) => {
        if (child.exitCode !== null) return resolvePromise();
        child.once("exit", () => resolvePromise());
        child.kill("SIGTERM");
      }),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
