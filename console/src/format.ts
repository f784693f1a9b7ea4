// Dates, durations and counts as the pages show them.
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function when(ts: Timestamp | undefined, never = "never"): string {
  return ts ? dateTime.format(timestampDate(ts)) : never;
}

export const days = (n: number) => ({ seconds: BigInt(Math.round(n * 86_400)), nanos: 0 });
export const hours = (n: number) => ({ seconds: BigInt(Math.round(n * 3600)), nanos: 0 });

/** A duration in whole days, or undefined when unset. */
export function inDays(duration: { seconds: bigint } | undefined): number | undefined {
  return duration && duration.seconds > 0n ? Number(duration.seconds) / 86_400 : undefined;
}

/** "a, b" → ["a", "b"]. */
export const list = (text: string) => text.split(/[\s,]+/).filter(Boolean);
