// The webhook outbox: one document per (webhook, event), made unique by the event's key, so an
// event found twice (a relay re-run after a crash, two instances scanning) is delivered once.
// Instances claim due deliveries with a lease; the attempt count in the filter keeps a late
// worker from overwriting the outcome of a newer attempt.
import { ObjectId, type Collection, type Db, type Filter } from "mongodb";
import { isDuplicateKey, pageBy, type Page } from "./paging.ts";

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface DeliveryDoc {
  _id: ObjectId;
  org: string;
  webhookId: ObjectId;
  /** Unique per webhook: e.g. "<audit event id>:token.revoked" or "token.expiring:7d:<token id>". */
  eventKey: string;
  event: string;
  /** What the event is about, e.g. "tok_…". */
  subject: string;
  /** The JSON payload, fixed when the event is recorded (signed anew at each attempt). */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number;
  lastError: string;
  createTime: Date;
  lastAttemptTime: Date | null;
  nextAttemptTime: Date;
  /** Until then, the instance that claimed the delivery is sending it. */
  leaseUntil: Date;
}

export interface DeliveryFilters {
  webhookId?: ObjectId;
  status?: DeliveryStatus;
}

export class DeliveryRepository {
  private readonly collection: Collection<DeliveryDoc>;

  constructor(db: Db) {
    this.collection = db.collection<DeliveryDoc>("webhook_deliveries");
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ webhookId: 1, eventKey: 1 }, { unique: true });
    await this.collection.createIndex({ status: 1, nextAttemptTime: 1 });
    await this.collection.createIndex({ org: 1, _id: -1 });
    await this.collection.createIndex({ org: 1, webhookId: 1, _id: -1 });
    // Retention where the database honours TTL indexes; nothing depends on it.
    await this.collection.createIndex({ createTime: 1 }, { expireAfterSeconds: 90 * 86_400 });
  }

  /** Records a delivery; false when this webhook already has the event. */
  async enqueue(doc: DeliveryDoc): Promise<boolean> {
    try {
      await this.collection.insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Which of `keys` the webhook already has (so a scan inserts only new events). */
  async existingKeys(webhookId: ObjectId, keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const found = await this.collection.find({ webhookId, eventKey: { $in: [...keys] } }, { projection: { eventKey: 1 } }).toArray();
    return new Set(found.map((d) => d.eventKey));
  }

  /** Takes one due delivery for `leaseMs`, counting the attempt; null when none is due. */
  claim(now: Date, leaseMs: number): Promise<DeliveryDoc | null> {
    return this.collection.findOneAndUpdate(
      { status: "pending", nextAttemptTime: { $lte: now }, leaseUntil: { $lte: now } },
      { $set: { leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptTime: 1 }, returnDocument: "after" },
    );
  }

  /** Records the outcome of the claimed attempt; ignored when the lease was lost to a newer attempt. */
  async finish(
    claimed: DeliveryDoc,
    outcome: { status: DeliveryStatus; statusCode: number; error: string; time: Date; nextAttemptTime: Date },
  ): Promise<void> {
    await this.collection.updateOne(
      { _id: claimed._id, attempts: claimed.attempts, status: "pending" },
      {
        $set: {
          status: outcome.status,
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          lastAttemptTime: outcome.time,
          nextAttemptTime: outcome.nextAttemptTime,
          leaseUntil: outcome.time,
        },
      },
    );
  }

  /** Newest first. */
  list(org: string, filters: DeliveryFilters, pageSize: number, after: string | undefined): Promise<Page<DeliveryDoc>> {
    const filter: Filter<DeliveryDoc> = { org };
    if (filters.webhookId) filter.webhookId = filters.webhookId;
    if (filters.status) filter.status = filters.status;
    return pageBy(this.collection, filter, { key: "_id", descending: true, pageSize, after });
  }
}
