// Opaque page tokens: the sort key of the last item returned plus a fingerprint of the filters,
// so a token is refused when replayed with different filters.
import { createHash } from "node:crypto";
import { invalidArgument } from "./errors.ts";

interface Cursor {
  after: string;
  filters: string;
}

function fingerprint(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 16);
}

export function encodePageToken(after: string, filters: unknown): string {
  const cursor: Cursor = { after, filters: fingerprint(filters) };
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The sort key to continue after, or undefined for the first page. */
export function decodePageToken(token: string, filters: unknown): string | undefined {
  if (token === "") return undefined;
  let cursor: Partial<Cursor>;
  try {
    cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<Cursor>;
  } catch {
    throw invalidArgument("page_token", "is not a page token this service issued");
  }
  if (typeof cursor?.after !== "string" || typeof cursor.filters !== "string") {
    throw invalidArgument("page_token", "is not a page token this service issued");
  }
  if (cursor.filters !== fingerprint(filters)) {
    throw invalidArgument("page_token", "was issued for different filters; start again without it");
  }
  return cursor.after;
}
