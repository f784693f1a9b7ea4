// How the CLI talks back: tables that fit the terminal, tab-separated rows when stdout is not a
// terminal, JSON with --json (its shape is the API's response and stays stable for scripts), and
// exit codes CI can branch on.
import { Code, ConnectError } from "@connectrpc/connect";
import { CommanderError } from "commander";
import { deniesGrant } from "../client/reasons.ts";
import { ask, plainCell, renderFields, renderTable, renderTsv, type Cell, type Column, type Row, type Terminal } from "./terminal.ts";

export const exitCodes = {
  ok: 0,
  other: 1,
  usage: 2,
  unauthenticated: 3,
  permissionDenied: 4,
  notFound: 5,
  failedPrecondition: 6,
  resourceExhausted: 7,
} as const;

/** A mistake in how the command was called (also: a destructive command not confirmed). */
export class UsageError extends Error {}

/** `tessera verify` found the presented token not valid (or not granting what was asked). */
export class InvalidToken extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`the token is not valid (${reason}): ${message}`);
  }

  get exitCode(): number {
    return deniesGrant(this.reason) ? exitCodes.permissionDenied : exitCodes.unauthenticated;
  }
}

/** A failure that knows its exit code, e.g. bootstrap's, whose errors are not RPC errors. */
export class CommandFailure extends Error {
  constructor(
    readonly exitCode: number,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The exit code of an RPC error's code: one per thing a pipeline may branch on, 1 for the rest. */
export function exitCodeOfCode(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
      return exitCodes.usage;
    case Code.Unauthenticated:
      return exitCodes.unauthenticated;
    case Code.PermissionDenied:
      return exitCodes.permissionDenied;
    case Code.NotFound:
      return exitCodes.notFound;
    // The state is not what the call needs: the name exists (already_exists), the resource
    // changed since it was read (aborted: read it again), or it is in the wrong state.
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return exitCodes.failedPrecondition;
    // Throttled (too many failed authentications) or too large: retry later, or send less.
    case Code.ResourceExhausted:
      return exitCodes.resourceExhausted;
    default:
      return exitCodes.other;
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof CommanderError) return exitCodes.usage;
  if (error instanceof InvalidToken || error instanceof CommandFailure) return error.exitCode;
  if (!(error instanceof ConnectError)) return exitCodes.other;
  return exitCodeOfCode(error.code);
}

/** What a confirmation asks: "Delete x: its tokens are revoked?" */
export interface Confirmation {
  action: string;
  consequence?: string;
}

/** A section of a detail view: a table under a heading. */
export interface Section {
  title: string;
  columns: Column[];
  rows: Row[];
}

export interface Output {
  json: boolean;
  terminal: Terminal;
  /** Writes data: JSON, or `rows` as a table (terminal) or tab-separated rows (header first). */
  print(data: unknown, rows: Row[], columns: (Column | string)[]): void;
  /**
   * Writes one resource: JSON, or its fields one per line ("label  value" on a terminal,
   * "key<TAB>value" otherwise), then each section's table after a blank line.
   */
  detail(data: unknown, fields: [key: string, label: string, value: Cell][], sections?: Section[]): void;
  /** Human notes go to stderr so stdout stays clean for pipes. */
  note(message: string): void;
  /** A secret, alone on stdout, so it can be piped into a secret store. */
  secret(value: string): void;
  /**
   * Goes ahead with a destructive change (`action`, e.g. "delete service account x"): with --yes,
   * or when the user answers yes on a terminal. Without a terminal and without --yes it refuses
   * (exit 2) before calling the service. `describe` tells the question more precisely (it may read
   * the resource); it runs only when there is someone to ask.
   */
  confirm(action: string, yes: boolean | undefined, describe?: () => Promise<Confirmation>): Promise<void>;
}

const columnOf = (column: Column | string): Column => (typeof column === "string" ? { key: column } : column);

export function createOutput(json: boolean, terminal: Terminal): Output {
  const table = (columns: Column[], rows: Row[]) =>
    terminal.tty ? renderTable(columns, rows, terminal.width) : renderTsv(columns, rows);
  return {
    json,
    terminal,
    print(data, rows, columns) {
      if (json) {
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        if (terminal.tty) process.stderr.write("(none)\n");
        else process.stdout.write(renderTsv(columns.map(columnOf), []));
        return;
      }
      process.stdout.write(table(columns.map(columnOf), rows));
    },
    detail(data, fields, sections = []) {
      if (json) {
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        terminal.tty
          ? renderFields(
              fields.map(([, label, value]) => [label, value]),
              terminal.width,
            )
          : fields.map(([key, , value]) => `${key}\t${plainCell(value)}\n`).join(""),
      );
      for (const section of sections) {
        process.stdout.write(`\n${terminal.tty ? `${section.title.toUpperCase()}\n` : ""}`);
        if (section.rows.length === 0 && terminal.tty) process.stdout.write("(none)\n");
        else process.stdout.write(table(section.columns, section.rows));
      }
    },
    note(message) {
      if (!json) process.stderr.write(`${message}\n`);
    },
    secret(value) {
      process.stdout.write(`${value}\n`);
    },
    async confirm(action, yes, describe) {
      if (yes) return;
      if (!terminal.interactive) {
        throw new UsageError(`refusing to ${action} without confirmation: pass --yes (there is no terminal to ask on)`);
      }
      const asked = describe ? await describe() : { action };
      const text = `${asked.action}${asked.consequence ? `: ${asked.consequence}` : ""}`;
      const question = `${text[0]!.toUpperCase()}${text.slice(1)}?`;
      if (!(await ask(question))) throw new UsageError("cancelled: nothing was changed");
    },
  };
}
