// What the CLI knows about where it runs, and how it lays text out there: tables that fit the
// terminal's width on a terminal, tab-separated rows for pipes, relative times for people and ISO
// times for scripts. Pure apart from `detectTerminal` and `ask`.
import { createInterface } from "node:readline/promises";

export interface Terminal {
  /** stdout is a terminal: tables and relative times; otherwise tab-separated rows. */
  tty: boolean;
  /** The user can answer a question: stdin and stderr are terminals. */
  interactive: boolean;
  /** Columns available for a table. */
  width: number;
}

/**
 * Where the CLI runs. TESSERA_FORCE_TTY (like gh's GH_FORCE_TTY) makes output and prompts behave as
 * on a terminal when they are redirected; a number sets the width.
 */
export function detectTerminal(env: NodeJS.ProcessEnv = process.env): Terminal {
  const forced = env.TESSERA_FORCE_TTY !== undefined && env.TESSERA_FORCE_TTY !== "" && env.TESSERA_FORCE_TTY !== "0";
  const forcedWidth = forced && /^\d+$/.test(env.TESSERA_FORCE_TTY!) ? Number(env.TESSERA_FORCE_TTY) : undefined;
  const fromEnv = /^\d+$/.test(env.COLUMNS ?? "") ? Number(env.COLUMNS) : undefined;
  return {
    tty: forced || Boolean(process.stdout.isTTY),
    interactive: forced || Boolean(process.stdin.isTTY && process.stderr.isTTY),
    width: Math.max(20, forcedWidth ?? (process.stdout.isTTY ? process.stdout.columns : undefined) ?? fromEnv ?? 80),
  };
}

/** Asks a yes/no question on stderr and reads the answer from stdin; anything but y or yes is no. */
export async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    process.stderr.write(`? ${question} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

/** A value in a table or detail view; null is "never" (a time that has not come: no expiry, no use). */
export type Cell = string | number | boolean | Date | readonly string[] | undefined | null;

export interface Column {
  /** The row's key, also the header of tab-separated output. */
  key: string;
  /** The header on a terminal; by default the key in capitals ("lastUsed" → "LAST USED"). */
  header?: string;
  /** Never truncated to fit the width (ids: a cut id is of no use). */
  keep?: boolean;
  /**
   * Left out on a terminal too narrow for every column at its header's width, lowest first
   * (tab-separated rows and JSON always have every column).
   */
  drop?: number;
}

export type Row = Record<string, Cell>;

export const headerOf = (column: Column) => column.header ?? column.key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toUpperCase();

/** The visible length of `text` (code points; the CLI prints no escape sequences). */
const length = (text: string) => [...text].length;

export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? "…".slice(0, width) : `${chars.slice(0, width - 1).join("")}…`;
}

const units: [Intl.RelativeTimeFormatUnit, string, number][] = [
  ["year", "y", 365 * 86_400_000],
  ["month", "mo", 30 * 86_400_000],
  ["day", "d", 86_400_000],
  ["hour", "h", 3_600_000],
  ["minute", "m", 60_000],
];

/** "3 days ago", "in 29 days", "just now": how people read a time. */
export function relativeTime(date: Date, now = Date.now()): string {
  const diff = date.getTime() - now;
  for (const [unit, , ms] of units) {
    if (Math.abs(diff) >= ms) return new Intl.RelativeTimeFormat("en", { numeric: "always" }).format(Math.trunc(diff / ms), unit);
  }
  return diff < 0 ? "just now" : "in less than a minute";
}

/** "3d ago", "in 29d", "just now": a time in a table column. */
export function shortRelativeTime(date: Date, now = Date.now()): string {
  const diff = date.getTime() - now;
  for (const [, short, ms] of units) {
    if (Math.abs(diff) >= ms) {
      const text = `${Math.trunc(Math.abs(diff) / ms)}${short}`;
      return diff < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return diff < 0 ? "just now" : "in <1m";
}

/** "2025-03-01 14:05 UTC (3 days ago)": a time in a detail view. */
const longTime = (date: Date, now: number) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC (${relativeTime(date, now)})`;

/** A cell for people: relative times, lists with commas, "-" for nothing, "never" for null. */
export function humanCell(value: Cell, now = Date.now(), long = false): string {
  if (value === null) return "never";
  if (value === undefined || value === "") return "-";
  if (value instanceof Date) return long ? longTime(value, now) : shortRelativeTime(value, now);
  if (Array.isArray(value) && value.length === 0) return "-";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return (Array.isArray(value) ? value.join(", ") : String(value)).replace(/[\t\r\n]+/g, " ");
}

/** A cell for scripts: ISO times, lists separated by spaces, nothing for nothing, no tabs or newlines. */
export function plainCell(value: Cell): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? "true" : "false";
  return (Array.isArray(value) ? value.join(" ") : String(value)).replace(/[\t\r\n]+/g, " ");
}

/** Tab-separated rows, the keys as the first row. */
export function renderTsv(columns: readonly Column[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => c.key), ...rows.map((row) => columns.map((c) => plainCell(row[c.key])))];
  return lines.map((line) => `${line.join("\t")}\n`).join("");
}

const gap = 2;
const minWidth = 6;

/**
 * The widths of columns whose natural widths are `natural` within `width`: the widest column
 * that may shrink gives up a character until the table fits. Columns shrink to their `floor` (their
 * header) first, and only then, if the table still does not fit, to a few characters.
 */
export function fitWidths(natural: readonly number[], width: number, keep: readonly boolean[] = [], floor: readonly number[] = []): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((sum, w) => sum + w, 0) + gap * Math.max(0, widths.length - 1);
  for (const lowest of [(i: number) => Math.max(minWidth, floor[i] ?? 0), () => minWidth]) {
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (keep[i] || widths[i]! <= lowest(i)) continue;
        if (widest < 0 || widths[i]! > widths[widest]!) widest = i;
      }
      if (widest < 0) break;
      widths[widest]!--;
    }
  }
  return widths;
}

/**
 * Columns separated by two spaces, headers in capitals, cells cut with "…" to fit `width`; on a
 * terminal too narrow for every header, the columns marked `drop` are left out, lowest first.
 */
export function renderTable(allColumns: readonly Column[], rows: readonly Row[], width: number, now = Date.now()): string {
  const allCells = rows.map((row) => allColumns.map((c) => humanCell(row[c.key], now)));
  const natural = allColumns.map((c, i) => Math.max(length(headerOf(c)), ...allCells.map((line) => length(line[i]!))));
  // What each column needs at least: ids all of it, others their header (or all of a short value).
  const floor = allColumns.map((c, i) => (c.keep ? natural[i]! : Math.min(natural[i]!, Math.max(minWidth, length(headerOf(c))))));
  let shown = allColumns.map((_, i) => i);
  const needed = () => shown.reduce((sum, i) => sum + floor[i]!, 0) + gap * (shown.length - 1);
  const droppable = allColumns.map((c, i) => ({ c, i })).filter(({ c }) => c.drop !== undefined).sort((a, b) => a.c.drop! - b.c.drop!);
  while (needed() > width && droppable.length) {
    const { i: dropped } = droppable.shift()!;
    shown = shown.filter((i) => i !== dropped);
  }
  const columns = shown.map((i) => allColumns[i]!);
  const headers = columns.map(headerOf);
  const cells = allCells.map((line) => shown.map((i) => line[i]!));
  const widths = fitWidths(
    shown.map((i) => natural[i]!),
    width,
    columns.map((c) => Boolean(c.keep)),
    headers.map(length),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => {
        const cut = truncate(value, widths[i]!);
        return i === values.length - 1 ? cut : cut + " ".repeat(widths[i]! - length(cut) + gap);
      })
      .join("")
      .trimEnd();
  return [line(headers), ...cells.map(line)].map((l) => `${l}\n`).join("");
}

/** `text` broken into lines of at most `width` characters, at spaces where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (length(rest) > width) {
    const chars = [...rest];
    const head = chars.slice(0, width + 1).join("");
    const space = head.lastIndexOf(" ");
    const cut = space > 0 ? space : width;
    lines.push(chars.slice(0, cut).join("").trimEnd());
    rest = chars.slice(cut).join("").trimStart();
  }
  lines.push(rest);
  return lines;
}

/** "label  value" lines, the labels aligned, values wrapped to fit `width`. */
export function renderFields(fields: readonly [string, Cell][], width: number, now = Date.now()): string {
  const labelWidth = Math.max(0, ...fields.map(([label]) => length(label)));
  const valueWidth = Math.max(10, width - labelWidth - gap);
  return fields
    .map(([label, value]) => {
      const [first, ...more] = wrap(humanCell(value, now, true), valueWidth);
      const indent = " ".repeat(labelWidth + gap);
      return [`${label.padEnd(labelWidth + gap)}${first}`, ...more.map((l) => indent + l)].map((l) => `${l.trimEnd()}\n`).join("");
    })
    .join("");
}
