// Field rules for every request. Each check throws invalid_argument naming the field.
import { namePattern } from "../../../client/names.ts";
import { invalidArgument } from "./errors.ts";
import { identityPermissions, wildcardPermission } from "./permissions.ts";
import { redact } from "./redact.ts";

const permissionPattern = /^[a-z][a-z0-9_-]*(?:[.:][a-z0-9_*-]+)*$/;
const audiencePattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const maxListItems = 100;
const maxPageSize = 1000;
export const defaultPageSize = 50;

export function name(field: string, value: string): string {
  if (!namePattern.test(value)) {
    throw invalidArgument(field, "must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit");
  }
  return value;
}

export function namePrefix(field: string, value: string): string {
  if (!/^[a-z0-9-]{0,63}$/.test(value)) throw invalidArgument(field, "must be lowercase letters, digits or dashes");
  return value;
}

// C0 and C1 controls (U+009B starts terminal escape sequences), line and paragraph separators, and
// the bidirectional embeddings, overrides and isolates that make text read other than it is stored.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Free text: printable, no control characters, bounded. */
export function text(field: string, value: string, max: number, required = false): string {
  const trimmed = value.trim();
  if (required && trimmed.length === 0) throw invalidArgument(field, "is required");
  if ([...trimmed].length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  if (controlCharacters.test(trimmed)) throw invalidArgument(field, "must not contain control characters (nor bidirectional overrides or line separators)");
  if (redact(trimmed) !== trimmed) throw invalidArgument(field, "looks like it contains a token secret; never paste secrets into other fields");
  return trimmed;
}

export function permission(field: string, value: string): string {
  if (value === wildcardPermission) return value;
  if (value.length > 128 || !permissionPattern.test(value)) {
    throw invalidArgument(field, 'must look like "accounts.read" or "deploy:write" (lowercase, at most 128 characters)');
  }
  // Application permissions are "resource:action"; anything else is an identity permission and must exist.
  if (!value.includes(":") && !(identityPermissions as readonly string[]).includes(value)) {
    throw invalidArgument(field, `"${value}" is not an identity permission (${identityPermissions.join(", ")}); application permissions look like "deploy:write"`);
  }
  return value;
}

export function audience(field: string, value: string): string {
  if (!audiencePattern.test(value)) throw invalidArgument(field, "must be 1-128 letters, digits or . _ : / -");
  return value;
}

/** Validates each item and removes duplicates, keeping order. */
export function list<T extends string>(field: string, values: readonly string[], check: (field: string, v: string) => T): T[] {
  if (values.length > maxListItems) throw invalidArgument(field, `must have at most ${maxListItems} items`);
  const seen = new Set<T>();
  values.forEach((v, i) => seen.add(check(`${field}[${i}]`, v)));
  return [...seen];
}

export function pageSize(field: string, value: number): number {
  if (value < 0 || value > maxPageSize) throw invalidArgument(field, `must be between 0 and ${maxPageSize}`);
  return value === 0 ? defaultPageSize : value;
}

/** Resource ids are a type prefix and a 24-hex-digit object id, e.g. "sa_65f0c0ffee…". */
export function resourceId(field: string, value: string, prefix: string): string {
  const match = new RegExp(`^${prefix}_([0-9a-f]{24})$`).exec(value);
  if (!match) throw invalidArgument(field, `must be an id like "${prefix}_" followed by 24 hex digits`);
  return match[1]!;
}

const maxDurationSeconds = 100 * 365 * 24 * 3600;

/** A protobuf Duration or Timestamp as requests carry it (unset: undefined). */
export type WireTime = { seconds: bigint; nanos: number } | undefined;

/** A protobuf Duration as milliseconds; undefined when unset. */
export function duration(field: string, value: WireTime, allowZero: boolean): number | undefined {
  if (!value) return undefined;
  if (value.seconds < 0n || value.nanos < 0) throw invalidArgument(field, "must not be negative");
  if (value.nanos > 999_999_999) throw invalidArgument(field, "nanos must be below one second");
  if (value.seconds > BigInt(maxDurationSeconds)) throw invalidArgument(field, "must be at most 100 years");
  const ms = Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6);
  if (!allowZero && ms === 0) throw invalidArgument(field, "must be positive");
  return ms;
}

// The range protobuf allows for a Timestamp: 0001-01-01 to 9999-12-31.
const minTimestampSeconds = -62_135_596_800n;
const maxTimestampSeconds = 253_402_300_799n;

/** A protobuf Timestamp as a Date; undefined when unset. */
export function timestamp(field: string, value: WireTime): Date | undefined {
  if (!value) return undefined;
  if (value.seconds < minTimestampSeconds || value.seconds > maxTimestampSeconds || value.nanos < 0 || value.nanos > 999_999_999) {
    throw invalidArgument(field, "must be a time between years 1 and 9999");
  }
  return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6));
}
