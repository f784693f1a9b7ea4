// Opaque page tokens: the sort key of the last item returned plus a fingerprint of the list, the
// organisation and the filters, so a token is refused when replayed elsewhere: with other filters,
// on another list (whose sort keys mean something else) or by another organisation.
import { createHash } from "node:crypto";
import { invalidArgument } from "./errors.ts";

interface Cursor {
  after: string;
  filters: string;
}

/** Where a page token belongs: one list of one organisation, with these filters. */
export interface PageScope {
  /** The list, e.g. "accounts". */
  list: string;
  org: string;
  filters?: unknown;
}

function fingerprint({ list, org, filters }: PageScope): string {
  return createHash("sha256").update(JSON.stringify([list, org, filters ?? {}])).digest("base64url").slice(0, 16);
}

export function encodePageToken(after: string, scope: PageScope): string {
  const cursor: Cursor = { after, filters: fingerprint(scope) };
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The sort key to continue after, or undefined for the first page. */
export function decodePageToken(token: string, scope: PageScope): string | undefined {
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
  if (cursor.filters !== fingerprint(scope)) {
    throw invalidArgument("page_token", "was issued for another list or other filters; start again without it");
  }
  return cursor.after;
}
