import type { Collection, Db, Filter } from "mongodb";
import type { AuditDoc } from "./documents.ts";
import { isDuplicateKey, pageBy, type Page } from "./paging.ts";

export interface AuditFilters {
  actorAccountId?: string;
  target?: string;
  action?: string;
  startTime?: Date;
  endTime?: Date;
}

/** Append-only: this repository has no update or delete. */
export class AuditRepository {
  private readonly collection: Collection<AuditDoc>;

  constructor(db: Db) {
    this.collection = db.collection<AuditDoc>("audit_events");
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ org: 1, _id: -1 });
    await this.collection.createIndex({ org: 1, target: 1, _id: -1 });
  }

  async append(event: AuditDoc): Promise<void> {
    await this.collection.insertOne(event);
  }

  /** Appends an event unless one with its id is there already (a relay delivering twice). */
  async appendOnce(event: AuditDoc): Promise<void> {
    try {
      await this.collection.insertOne(event);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Newest first. */
  list(org: string, filters: AuditFilters, pageSize: number, after: string | undefined): Promise<Page<AuditDoc>> {
    const filter: Filter<AuditDoc> = { org };
    if (filters.actorAccountId) filter["actor.accountId"] = filters.actorAccountId;
    if (filters.target) filter.target = filters.target;
    if (filters.action) filter.action = filters.action;
    if (filters.startTime || filters.endTime) {
      filter.time = {
        ...(filters.startTime ? { $gte: filters.startTime } : {}),
        ...(filters.endTime ? { $lt: filters.endTime } : {}),
      };
    }
    return pageBy(this.collection, filter, { key: "_id", descending: true, pageSize, after });
  }
}
