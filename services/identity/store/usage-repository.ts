import type { Collection, Db, ObjectId } from "mongodb";

export interface UsageDoc {
  tokenId: ObjectId;
  /** The start of the hour. */
  hour: Date;
  count: number;
}

/** Hourly use counts per token, written in bulk by the usage recorder. */
export class UsageRepository {
  private readonly collection: Collection<UsageDoc>;

  constructor(db: Db) {
    this.collection = db.collection<UsageDoc>("token_usage");
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tokenId: 1, hour: 1 }, { unique: true });
    // Only a nicety that keeps old counts from piling up; reads filter by time anyway.
    await this.collection.createIndex({ hour: 1 }, { expireAfterSeconds: 30 * 86_400 });
  }

  async add(counts: readonly UsageDoc[]): Promise<void> {
    if (counts.length === 0) return;
    await this.collection.bulkWrite(
      counts.map((c) => ({
        updateOne: { filter: { tokenId: c.tokenId, hour: c.hour }, update: { $inc: { count: c.count } }, upsert: true },
      })),
      { ordered: false },
    );
  }

  /** Counts since `since` for each of the tokens, oldest hour first. */
  async since(tokenIds: readonly ObjectId[], since: Date): Promise<Map<string, UsageDoc[]>> {
    const docs = await this.collection
      .find({ tokenId: { $in: [...tokenIds] }, hour: { $gte: since } })
      .sort({ hour: 1 })
      .toArray();
    const byToken = new Map<string, UsageDoc[]>();
    for (const doc of docs) {
      const key = doc.tokenId.toHexString();
      byToken.set(key, [...(byToken.get(key) ?? []), doc]);
    }
    return byToken;
  }
}
