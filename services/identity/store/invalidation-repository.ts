import { ObjectId, type Collection, type Db } from "mongodb";
import type { InvalidationDoc } from "./documents.ts";

/** The change log that carries cache invalidations between instances. */
export class InvalidationRepository {
  private readonly collection: Collection<InvalidationDoc>;

  constructor(db: Db) {
    this.collection = db.collection<InvalidationDoc>("invalidations");
  }

  async ensureIndexes(): Promise<void> {
    // Only a nicety that keeps the log small; correctness never depends on it.
    await this.collection.createIndex({ time: 1 }, { expireAfterSeconds: 3600 });
  }

  async append(events: readonly InvalidationDoc[]): Promise<void> {
    if (events.length > 0) await this.collection.insertMany([...events]);
  }

  /** How many events have ids from `from` to `to`, both included. */
  count(from: ObjectId, to: ObjectId): Promise<number> {
    return this.collection.countDocuments({ _id: { $gte: from, $lte: to } });
  }

  /** Up to `limit` events from `from` on, in id order (ids start with their creation second). */
  page(from: ObjectId, inclusive: boolean, limit: number): Promise<InvalidationDoc[]> {
    return this.collection
      .find({ _id: inclusive ? { $gte: from } : { $gt: from } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
  }
}
