import type { Collection, Db } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { TokenPolicy } from "../domain/token-policy.ts";
import type { OrganizationDoc, OutboxEntry } from "./documents.ts";
import { isDuplicateKey } from "./paging.ts";
import type { Outbox } from "./outbox.ts";

export class OrganizationRepository {
  private readonly collection: Collection<OrganizationDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<OrganizationDoc>("organizations"));
  }

  async create(name: string, tokenPolicy: TokenPolicy, now: Date, entry?: OutboxEntry): Promise<OrganizationDoc> {
    const doc: OrganizationDoc = { _id: name, createTime: now, tokenPolicy };
    try {
      await this.outbox.insert(this.collection, doc, entry);
    } catch (error) {
      if (isDuplicateKey(error)) throw new IdentityError("already_exists", `organisation "${name}" already exists`);
      throw error;
    }
    return doc;
  }

  find(name: string): Promise<OrganizationDoc | null> {
    return this.collection.findOne({ _id: name });
  }

  async count(): Promise<number> {
    return this.collection.countDocuments({});
  }

  /**
   * Takes the organisation's admin lock unless another change holds it (a lock older than
   * `staleMs`, left by a crash, is taken over). True when taken.
   */
  async lockAdmins(name: string, holder: string, now: Date, staleMs: number): Promise<boolean> {
    const taken = await this.collection.findOneAndUpdate(
      { _id: name, $or: [{ adminLock: null }, { adminLockTime: { $lt: new Date(now.getTime() - staleMs) } }] },
      { $set: { adminLock: holder, adminLockTime: now } },
    );
    return taken !== null;
  }

  async unlockAdmins(name: string, holder: string): Promise<void> {
    await this.collection.updateOne({ _id: name, adminLock: holder }, { $set: { adminLock: null } });
  }

  /** Organisations whose policy revokes unused tokens. */
  withUnusedTokenPolicy(): Promise<OrganizationDoc[]> {
    return this.collection.find({ "tokenPolicy.revokeUnusedAfterMs": { $gt: 0 } }).toArray();
  }

  updatePolicy(name: string, tokenPolicy: TokenPolicy, entry: OutboxEntry): Promise<OrganizationDoc | null> {
    return this.outbox.update(this.collection, { _id: name }, { $set: { tokenPolicy } }, entry);
  }
}
