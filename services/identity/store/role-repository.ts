import type { Collection, Db } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { OutboxEntry, RoleDoc } from "./documents.ts";
import { isDuplicateKey } from "./paging.ts";
import type { Outbox } from "./outbox.ts";

export class RoleRepository {
  private readonly collection: Collection<RoleDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<RoleDoc>("roles"));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ org: 1, name: 1 }, { unique: true });
  }

  /** Custom roles are few per organisation; they are read whole. */
  listAll(org: string): Promise<RoleDoc[]> {
    return this.collection.find({ org }).sort({ name: 1 }).toArray();
  }

  find(org: string, name: string): Promise<RoleDoc | null> {
    return this.collection.findOne({ org, name });
  }

  async insert(doc: RoleDoc, entry: OutboxEntry): Promise<void> {
    try {
      await this.outbox.insert(this.collection, doc, entry);
    } catch (error) {
      if (isDuplicateKey(error)) throw new IdentityError("already_exists", `a role named "${doc.name}" already exists`, "already_exists", "name");
      throw error;
    }
  }

  update(
    org: string,
    name: string,
    changes: Partial<Pick<RoleDoc, "description" | "permissions">>,
    now: Date,
    entry: OutboxEntry,
  ): Promise<RoleDoc | null> {
    return this.outbox.update(this.collection, { org, name }, { $set: { ...changes, updateTime: now } }, entry);
  }

  delete(org: string, name: string, entry: OutboxEntry): Promise<boolean> {
    return this.outbox.delete(this.collection, { org, name }, entry);
  }
}
