// Webhook subscriptions: per organisation, an endpoint and the lifecycle events it wants.
import { ObjectId, type Collection, type Db } from "mongodb";
import type { OutboxEntry, Pending, PrincipalDoc } from "./documents.ts";
import type { Outbox } from "./outbox.ts";
import { pageBy, type Page } from "./paging.ts";

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
  }

  insert(doc: WebhookDoc, entry: OutboxEntry): Promise<void> {
    return this.outbox.insert(this.collection, doc, entry);
  }

  count(org: string): Promise<number> {
    return this.collection.countDocuments({ org });
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
