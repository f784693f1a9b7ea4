import type { Collection, Db } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { TokenPolicy } from "../domain/token-policy.ts";
import type { OrganizationDoc } from "./documents.ts";
import { isDuplicateKey } from "./paging.ts";

export class OrganizationRepository {
  private readonly collection: Collection<OrganizationDoc>;

  constructor(db: Db) {
    this.collection = db.collection<OrganizationDoc>("organizations");
  }

  async create(name: string, tokenPolicy: TokenPolicy, now: Date): Promise<OrganizationDoc> {
    const doc: OrganizationDoc = { _id: name, createTime: now, tokenPolicy };
    try {
      await this.collection.insertOne(doc);
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

  updatePolicy(name: string, tokenPolicy: TokenPolicy): Promise<OrganizationDoc | null> {
    return this.collection.findOneAndUpdate({ _id: name }, { $set: { tokenPolicy } }, { returnDocument: "after" });
  }
}
