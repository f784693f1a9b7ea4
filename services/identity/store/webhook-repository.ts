// Webhook subscriptions: per organisation, an endpoint and the lifecycle events it wants.
import { ObjectId, type Collection, type Db } from "mongodb";
import type { OutboxEntry, Pending, PrincipalDoc } from "./documents.ts";
import type { Outbox } from "./outbox.ts";
import { isDuplicateKey, pageBy, type Page } from "./paging.ts";

export interface WebhookDoc extends Pending {
  _id: ObjectId;
  org: string;
  url: string;
  description: string;
  events: string[];
  /** Days without use after which "token.unused" is sent. */
  unusedDays: number;
  createTime: Date;
  createdBy: PrincipalDoc;
  /**
   * Which of its organisation's places the webhook holds: unique per organisation, so that
   * concurrent creates cannot pass the cap together (a count read before inserting let them).
   */
  slot: number;
}

export class WebhookRepository {
  private readonly collection: Collection<WebhookDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<WebhookDoc>("webhooks"));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ org: 1, events: 1 });
    await this.collection.createIndex({ events: 1 });
    await this.assignMissingSlots();
    await this.collection.createIndex({ org: 1, slot: 1 }, { unique: true });
  }

  /**
   * Inserts the webhook into the lowest of the organisation's `places` slots that is free; undefined
   * when every one is taken. A slot taken meanwhile by a concurrent create is a duplicate key: the
   * next free one is tried.
   */
  async insertInFreeSlot(doc: Omit<WebhookDoc, "slot">, entry: OutboxEntry, places: number): Promise<WebhookDoc | undefined> {
    const taken = await this.slotsTaken(doc.org);
    for (let slot = 0; slot < places; slot++) {
      if (taken.has(slot)) continue;
      const placed = { ...doc, slot };
      try {
        await this.outbox.insert(this.collection, placed, entry);
        return placed;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return undefined;
  }

  private async slotsTaken(org: string): Promise<Set<number>> {
    const docs = await this.collection.find({ org }, { projection: { slot: 1 } }).toArray();
    return new Set(docs.map((d) => d.slot));
  }

  /** Webhooks made before slots existed get the lowest free ones, so that the unique index can be built. */
  private async assignMissingSlots(): Promise<void> {
    const missing = await this.collection.find({ slot: { $exists: false } }, { projection: { org: 1 } }).toArray();
    const taken = new Map<string, Set<number>>();
    for (const { _id, org } of missing) {
      let slots = taken.get(org);
      if (!slots) taken.set(org, (slots = await this.slotsTaken(org)));
      let slot = 0;
      while (slots.has(slot)) slot++;
      slots.add(slot);
      await this.collection.updateOne({ _id, slot: { $exists: false } }, { $set: { slot } });
    }
  }

  find(org: string, id: string): Promise<WebhookDoc | null> {
    return this.collection.findOne({ _id: new ObjectId(id), org, deleting: { $ne: true } });
  }

  list(org: string, pageSize: number, after: string | undefined): Promise<Page<WebhookDoc>> {
    return pageBy(this.collection, { org, deleting: { $ne: true } }, { key: "_id", pageSize, after });
  }

  /** The organisation's webhooks subscribed to `event`. */
  subscribers(org: string, event: string): Promise<WebhookDoc[]> {
    return this.collection.find({ org, events: event, deleting: { $ne: true } }).toArray();
  }

  /** Every organisation's webhooks subscribed to any of `events` (the lifecycle scan's work list). */
  subscribedToAny(events: readonly string[]): Promise<WebhookDoc[]> {
    return this.collection.find({ events: { $in: [...events] }, deleting: { $ne: true } }).toArray();
  }

  delete(org: string, id: string, entry: OutboxEntry): Promise<boolean> {
    return this.outbox.delete(this.collection, { _id: new ObjectId(id), org, deleting: { $ne: true } }, entry);
  }
}
