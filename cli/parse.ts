// Parsing of command-line values: numbers, durations, role bindings, times, URLs and files. Every
// message names the flag; option parsers throw commander's InvalidArgumentError, which commander
// reports with the flag and its value (exit 2).
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { roleBinding } from "../client/role-bindings.ts";
import { UsageError } from "./output.ts";

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90d", "24h", "30m", "45s", "2w" (and "0") → seconds. */
export function parseDuration(flag: string, value: string): bigint {
  if (value === "0") return 0n;
  const match = /^(\d{1,9})([smhdw])$/.exec(value);
  if (!match) throw new UsageError(`${flag}: expected a duration like 90d, 24h, 30m or 45s, got "${value}"`);
  return BigInt(Number(match[1]) * units[match[2]!]!);
}

/** An option parser for a duration flag: the value stays a string, checked when given. */
export const durationOption = (flag: string) => (value: string) => {
  try {
    parseDuration(flag, value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(`${flag}: `, ""));
  }
  return value;
};

/** An option parser for a whole number from `min` to `max` ("abc", "1.5" and "0" are refused). */
export const integerOption = (min: number, max: number) => (value: string) => {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return n;
};

/** An option parser for seconds: a positive number, at most an hour. */
export const secondsOption = (value: string) => {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError("expected a number of seconds from 0.1 to 3600, e.g. 10.");
  return n;
};

/** An option parser for the service's URL: http:// or https://, a host, nothing else. */
export const urlOption = (value: string) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL like http://127.0.0.1:8080 or https://tessera.example.com.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(`expected an http:// or https:// URL, not ${url.protocol}//.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new InvalidArgumentError("expected a URL without credentials, query or fragment.");
  }
  return value.replace(/\/+$/, "");
};

/** The trimmed contents of the file a flag names, or a message naming the flag (exit 2). */
export function readFileFlag(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (error as Error).message;
    throw new UsageError(`${flag}: cannot read "${path}": ${why}`);
  }
}

/** "developer" (all environments) or "developer@staging,production". */
export function parseBinding(value: string, flag = "--role"): ReturnType<typeof roleBinding> {
  const [role, environments] = value.split("@", 2) as [string, string | undefined];
  const list = environments?.split(",").filter(Boolean);
  if (!role || (list !== undefined && list.length === 0)) throw new UsageError(`${flag}: expected role or role@env1,env2, got "${value}"`);
  return roleBinding(role, list === undefined ? "all" : list);
}

/** An ISO time, or a duration meaning that long ago ("24h"). */
export function parseTime(flag: string, value: string): Date {
  if (/^\d+[smhdw]$/.test(value)) return new Date(Date.now() - Number(parseDuration(flag, value)) * 1000);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag}: expected an ISO time or a duration like 24h, got "${value}"`);
  return date;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
