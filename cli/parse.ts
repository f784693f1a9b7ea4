// Parsing of command-line values: durations, role bindings, times.
import { roleBinding } from "../client/role-bindings.ts";
import { UsageError } from "./output.ts";

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90d", "24h", "30m", "45s", "2w" → seconds. */
export function parseDuration(flag: string, value: string): bigint {
  const match = /^(\d+)([smhdw])$/.exec(value);
  if (!match) throw new UsageError(`${flag}: expected a duration like 90d, 24h, 30m or 45s, got "${value}"`);
  return BigInt(Number(match[1]) * units[match[2]!]!);
}

/** "developer" (all environments) or "developer@staging,production". */
export function parseBinding(value: string): ReturnType<typeof roleBinding> {
  const [role, environments] = value.split("@", 2) as [string, string | undefined];
  if (!role) throw new UsageError(`--role: expected role or role@env1,env2, got "${value}"`);
  return roleBinding(role, environments === undefined ? "all" : environments.split(",").filter(Boolean));
}

/** An ISO time, or a duration meaning that long ago ("24h"). */
export function parseTime(flag: string, value: string): Date {
  if (/^\d+[smhdw]$/.test(value)) return new Date(Date.now() - Number(parseDuration(flag, value)) * 1000);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag}: expected an ISO time or a duration like 24h, got "${value}"`);
  return date;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
