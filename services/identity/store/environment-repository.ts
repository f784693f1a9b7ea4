import type { Collection, Db } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { EnvironmentDoc, OutboxEntry } from "./documents.ts";
import { isDuplicateKey, pageBy, type Page } from "./paging.ts";
import type { Outbox } from "./outbox.ts";

export class EnvironmentRepository {
  private readonly collection: Collection<EnvironmentDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<EnvironmentDoc>("environments"));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ org: 1, name: 1 }, { unique: true });
  }

  list(org: string, pageSize: number, after: string | undefined): Promise<Page<EnvironmentDoc>> {
    return pageBy(this.collection, { org }, { key: "name", pageSize, after });
  }

  /** The names among `names` that exist in the organisation. */
  async existing(org: string, names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const docs = await this.collection.find({ org, name: { $in: [...names] } }, { projection: { name: 1 } }).toArray();
    return new Set(docs.map((d) => d.name));
  }

  async insert(doc: EnvironmentDoc, entry: OutboxEntry): Promise<void> {
    try {
      await this.outbox.insert(this.collection, doc, entry);
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new IdentityError("already_exists", `an environment named "${doc.name}" already exists`, "already_exists", "name");
      }
      throw error;
    }
  }

  delete(org: string, name: string, entry: OutboxEntry): Promise<boolean> {
    return this.outbox.delete(this.collection, { org, name }, entry);
  }
}
