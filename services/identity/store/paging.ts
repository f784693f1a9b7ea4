// Keyset pagination: each page continues strictly after the last key of the previous one, so
// concurrent inserts never shift or repeat items.
import { ObjectId, type Collection, type Document, type Filter } from "mongodb";
import { invalidArgument } from "../domain/errors.ts";

export interface Page<T> {
  items: T[];
  /** The key to continue after; undefined on the last page. */
  nextAfter: string | undefined;
}

export async function pageBy<T extends Document & { _id: ObjectId }>(
  collection: Collection<T>,
  filter: Filter<T>,
  options: { key: "_id" | "name"; descending?: boolean; pageSize: number; after: string | undefined },
): Promise<Page<T>> {
  const direction = options.descending ? -1 : 1;
  const query: Document = { ...filter };
  if (options.after !== undefined) {
    if (options.key === "_id" && !/^[0-9a-f]{24}$/.test(options.after)) {
      throw invalidArgument("page_token", "is not a page token this service issued");
    }
    const after = options.key === "_id" ? new ObjectId(options.after) : options.after;
    query[options.key] = { [direction === 1 ? "$gt" : "$lt"]: after };
  }
  const docs = (await collection
    .find(query as Filter<T>)
    .sort({ [options.key]: direction })
    .limit(options.pageSize + 1)
    .toArray()) as T[];
  const items = docs.slice(0, options.pageSize);
  const last = items.at(-1);
  const nextAfter =
    docs.length > options.pageSize && last ? (options.key === "_id" ? last._id.toHexString() : String(last[options.key])) : undefined;
  return { items, nextAfter };
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Sets `lastUsedTime`, one bulk write for many documents, by _id alone so that the update uses the
 * primary index (an $or condition made some engines scan the collection). Within a process the
 * times only move forward; across instances the later flush wins, off by at most a flush interval.
 */
export async function recordLastUse<T extends { _id: ObjectId; lastUsedTime: Date | null }>(
  collection: Collection<T>,
  uses: readonly { id: ObjectId; time: Date }[],
): Promise<void> {
  if (uses.length === 0) return;
  await collection.bulkWrite(
    uses.map((use) => ({
      updateOne: {
        filter: { _id: use.id } as Filter<T>,
        update: { $set: { lastUsedTime: use.time } } as Document,
      },
    })),
    { ordered: false },
  );
}
