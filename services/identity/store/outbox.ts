// A mutation and its effects (its audit event, the cache invalidations it causes) are committed in
// one single-document write: the effects ride on the mutated document as an outbox entry. The
// relay then moves them to the audit log and the invalidation log and removes the entry; run right
// after the write, and by a sweep on every instance for entries a crash left behind. Delivery is
// idempotent: the audit event keeps its id (a second insert is a duplicate and ignored), and a
// repeated invalidation only invalidates again.
import { ObjectId, type Collection, type Document, type Filter, type UpdateFilter } from "mongodb";
import type { AuditRepository } from "./audit-repository.ts";
import type { AuditDoc, InvalidationDoc, OutboxEntry } from "./documents.ts";
import type { InvalidationRepository } from "./invalidation-repository.ts";


/** What a document with an outbox carries. */
export interface WithOutbox {
  _id: ObjectId | string;
  version?: number;
  outbox?: OutboxEntry[];
  /** Set by a deletion that commits its effects first; the relay deletes the document after them. */
  deleting?: boolean;
}

/** Matches documents that have entries (a range, so an index on `outbox.id` serves it). */
const hasEntries = { "outbox.id": { $gte: new ObjectId("000000000000000000000000") } };

export class Outbox {
  private readonly collections: Collection<WithOutbox>[] = [];
  /** Applies delivered invalidations to this instance's cache at once (set by the follower). */
  onInvalidations: (events: readonly InvalidationDoc[]) => void = () => {};
  /** Records what a delivered change means beyond the logs (webhook events); re-run after a crash, so it must be idempotent. */
  onAudit: (audit: AuditDoc, doc: WithOutbox) => Promise<void> = async () => {};

  constructor(
    private readonly audit: AuditRepository,
    private readonly invalidationLog: InvalidationRepository,
  ) {}

  /** A collection whose documents may carry entries; the sweep looks there. */
  register<T extends WithOutbox>(collection: Collection<T>): Collection<T> {
    this.collections.push(collection as unknown as Collection<WithOutbox>);
    return collection;
  }

  async ensureIndexes(): Promise<void> {
    // The sweep finds waiting entries, and deletions a crash left half done, by index.
    await Promise.all(this.collections.flatMap((c) => [c.createIndex({ "outbox.id": 1 }), c.createIndex({ deleting: 1 })]));
  }

  /** Inserts `doc` with its effects, then delivers them. */
  async insert<T extends WithOutbox>(collection: Collection<T>, doc: T, entry: OutboxEntry | undefined): Promise<void> {
    const stored: Document = entry ? { ...doc, outbox: [entry] } : { ...doc };
    await (collection as unknown as Collection<Document>).insertOne(stored);
    if (!entry) return;
    entry.written = true;
    await this.deliver(collection, doc, entry);
  }

  /** Applies `update` to the document `filter` matches together with its effects, then delivers them. */
  async update<T extends WithOutbox>(collection: Collection<T>, filter: Filter<T>, update: UpdateFilter<T>, entry: OutboxEntry): Promise<T | null> {
    const withEntry = { ...update, $push: { outbox: entry } } as unknown as UpdateFilter<T>;
    const doc = (await collection.findOneAndUpdate(filter, withEntry, { returnDocument: "after" })) as T | null;
    if (!doc) return null;
    entry.written = true;
    await this.deliver(collection, doc, entry);
    return doc;
  }

  /** Deletes the document `filter` matches after committing and delivering its effects; false when none matched. */
  async delete<T extends WithOutbox>(collection: Collection<T>, filter: Filter<T>, entry: OutboxEntry): Promise<boolean> {
    return (await this.update(collection, filter, { $set: { deleting: true } } as unknown as UpdateFilter<T>, entry)) !== null;
  }

  /** Moves one entry of a written document to the logs, then removes it from the document. */
  async deliver<T extends WithOutbox>(collection: Collection<T>, doc: WithOutbox, entry: OutboxEntry): Promise<void> {
    // The version the mutation wrote, so concurrent changes can be ordered in the trail.
    const audit = { ...entry.audit, targetVersion: entry.audit.targetVersion || doc.version || 0 };
    await this.audit.appendOnce(audit);
    // Fresh ids: followers read the log by id, and a late delivery must still be ahead of them.
    const events = entry.invalidations.map((i) => ({ _id: new ObjectId(), kind: i.kind, key: i.key, time: new Date() }));
    if (events.length > 0) {
      this.onInvalidations(events);
      await this.invalidationLog.append(events);
    }
    // Webhooks after the invalidations: a revocation reaches every cache without waiting on them, and
    // still before the entry is removed, so a crash here has them recorded by the next delivery.
    await this.onAudit(audit, doc);
    const coll = collection as unknown as Collection<Document>;
    const byId: Filter<Document> = { _id: doc._id as never };
    await coll.updateOne(byId, { $pull: { outbox: { id: entry.id } } } as unknown as UpdateFilter<Document>);
    if (doc.deleting) await coll.deleteOne({ ...byId, deleting: true, outbox: { $size: 0 } });
  }

  /** Delivers every entry still waiting in any registered collection; returns how many. */
  async sweep(): Promise<number> {
    let delivered = 0;
    for (const collection of this.collections) {
      const docs = await collection.find(hasEntries).limit(1000).toArray();
      for (const doc of docs) {
        for (const entry of doc.outbox ?? []) {
          await this.deliver(collection, doc, entry);
          delivered++;
        }
      }
      // A deletion whose effects were delivered but whose document a crash left behind.
      await collection.deleteMany({ deleting: true, outbox: { $size: 0 } });
    }
    return delivered;
  }
}
