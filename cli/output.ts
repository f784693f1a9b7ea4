// How the CLI talks back: tables on a terminal, JSON with --json, and exit codes CI can branch on.
import Table from "cli-table3";
import { Code, ConnectError } from "@connectrpc/connect";
import { CommanderError } from "commander";
import { deniesGrant } from "../client/reasons.ts";

export const exitCodes = {
  ok: 0,
  other: 1,
  usage: 2,
  unauthenticated: 3,
  permissionDenied: 4,
  notFound: 5,
  failedPrecondition: 6,
} as const;

/** A mistake in how the command was called. */
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

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof CommanderError) return exitCodes.usage;
  if (error instanceof InvalidToken || error instanceof CommandFailure) return error.exitCode;
  if (!(error instanceof ConnectError)) return exitCodes.other;
  switch (error.code) {
    case Code.InvalidArgument:
      return exitCodes.usage;
    case Code.Unauthenticated:
      return exitCodes.unauthenticated;
    case Code.PermissionDenied:
      return exitCodes.permissionDenied;
    case Code.NotFound:
      return exitCodes.notFound;
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return exitCodes.failedPrecondition;
    default:
      return exitCodes.other;
  }
}

export interface Output {
  json: boolean;
  /** Writes data: JSON, or a table of `columns` (one row per item). */
  print(data: unknown, rows: Record<string, unknown>[], columns: string[]): void;
  /** Human notes go to stderr so stdout stays clean for pipes. */
  note(message: string): void;
  /** A secret, alone on stdout, so it can be piped into a secret store. */
  secret(value: string): void;
}

function cell(value: unknown): string {
  if (value === undefined || value === null || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "-";
  return String(value);
}

export function createOutput(json: boolean): Output {
  return {
    json,
    print(data, rows, columns) {
      if (json) {
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stderr.write("(none)\n");
        return;
      }
      const table = new Table({ head: columns, style: { head: [], border: [] } });
      for (const row of rows) table.push(columns.map((c) => cell(row[c])));
      process.stdout.write(`${table.toString()}\n`);
    },
    note(message) {
      if (!json) process.stderr.write(`${message}\n`);
    },
    secret(value) {
      process.stdout.write(`${value}\n`);
    },
  };
}
