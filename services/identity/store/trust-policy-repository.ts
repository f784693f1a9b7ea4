import type { Collection, Db } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { OutboxEntry, TrustPolicyDoc } from "./documents.ts";
import { isDuplicateKey, pageBy, type Page } from "./paging.ts";
import type { Outbox } from "./outbox.ts";

export class TrustPolicyRepository {
  private readonly collection: Collection<TrustPolicyDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<TrustPolicyDoc>("trust_policies"));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ org: 1, name: 1 }, { unique: true });
  }

  list(org: string, pageSize: number, after: string | undefined): Promise<Page<TrustPolicyDoc>> {
    return pageBy(this.collection, { org }, { key: "name", pageSize, after });
  }

  find(org: string, name: string): Promise<TrustPolicyDoc | null> {
    return this.collection.findOne({ org, name });
  }

  async insert(doc: TrustPolicyDoc, entry: OutboxEntry): Promise<void> {
    try {
      await this.outbox.insert(this.collection, doc, entry);
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new IdentityError("already_exists", `a trust policy named "${doc.name}" already exists`, "already_exists", "policy.name");
      }
      throw error;
    }
  }

  delete(org: string, name: string, entry: OutboxEntry): Promise<boolean> {
    return this.outbox.delete(this.collection, { org, name }, entry);
  }
}
