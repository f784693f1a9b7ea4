import { ObjectId, type Collection, type Db, type Filter } from "mongodb";
import { IdentityError } from "../domain/errors.ts";
import type { AccountDoc, AccountStatus, OutboxEntry } from "./documents.ts";
import type { Outbox } from "./outbox.ts";
import { isDuplicateKey, pageBy, recordLastUse, type Page } from "./paging.ts";

export interface AccountFilters {
  status?: "active" | "disabled";
  role?: string;
  namePrefix?: string;
}

export type AccountChanges = Partial<
  Pick<AccountDoc, "displayName" | "description" | "owner" | "roleBindings" | "managerAccountIds" | "managerRoles">
>;

const live = { $ne: "deleted" as AccountStatus };

export class AccountRepository {
  readonly collection: Collection<AccountDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<AccountDoc>("accounts"));
  }

  async ensureIndexes(): Promise<void> {
    // Names are unique among existing accounts: deletion moves nameKey to a tombstone.
    await this.collection.createIndex({ org: 1, nameKey: 1 }, { unique: true });
    await this.collection.createIndex({ org: 1, "roleBindings.role": 1 });
    // Binding a role looks up the accounts naming it as their manager (rule 4).
    await this.collection.createIndex({ org: 1, managerRoles: 1 });
  }

  async insert(doc: AccountDoc, entry?: OutboxEntry): Promise<void> {
    try {
      await this.outbox.insert(this.collection, doc, entry);
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new IdentityError("already_exists", `a service account named "${doc.name}" already exists`, "already_exists", "name");
      }
      throw error;
    }
  }

  find(org: string, id: string): Promise<AccountDoc | null> {
    return this.collection.findOne({ _id: new ObjectId(id), org, status: live });
  }

  findByName(org: string, name: string): Promise<AccountDoc | null> {
    return this.collection.findOne({ org, nameKey: name });
  }

  /** Any account state, deleted included: authentication must see deletions. */
  findForAuthentication(id: ObjectId): Promise<AccountDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Accounts by id, deleted ones included. */
  findMany(org: string, ids: readonly ObjectId[]): Promise<AccountDoc[]> {
    return this.collection.find({ org, _id: { $in: [...ids] } }).toArray();
  }

  async existing(org: string, ids: readonly string[]): Promise<Set<string>> {
    const docs = await this.collection
      .find({ org, status: live, _id: { $in: ids.map((id) => new ObjectId(id)) } }, { projection: { _id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d._id.toHexString()));
  }

  list(org: string, filters: AccountFilters, pageSize: number, after: string | undefined): Promise<Page<AccountDoc>> {
    const filter: Filter<AccountDoc> = { org, status: filters.status ?? live };
    if (filters.role) filter["roleBindings.role"] = filters.role;
    if (filters.namePrefix) filter.nameKey = { $regex: `^${escapeRegex(filters.namePrefix)}` };
    return pageBy(this.collection, filter, { key: "_id", pageSize, after });
  }

  /**
   * Applies changes if the account still exists (and still has `version`, when given); the version
   * check makes concurrent read-modify-write updates fail instead of overwriting each other.
   */
  async update(
    org: string,
    id: string,
    version: number | undefined,
    changes: AccountChanges,
    now: Date,
    entry: OutboxEntry,
  ): Promise<AccountDoc> {
    const filter: Filter<AccountDoc> = { _id: new ObjectId(id), org, status: live };
    if (version !== undefined) filter.version = version;
    const updated = await this.outbox.update(this.collection, filter, { $set: { ...changes, updateTime: now }, $inc: { version: 1 } }, entry);
    if (updated) return updated;
    if (version !== undefined && (await this.find(org, id))) {
      throw new IdentityError("aborted", "the service account changed since it was read; read it again and retry", "etag_mismatch");
    }
    throw new IdentityError("not_found", `service account "sa_${id}" not found`);
  }

  /** Moves between active and disabled; null when the account is missing or already in `to`. */
  /** Moves the account, as it was at `version`, to `to`; null when it is elsewhere or was changed since. */
  setStatus(org: string, id: string, to: "active" | "disabled", version: number, now: Date, entry: OutboxEntry): Promise<AccountDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, status: to === "active" ? "disabled" : "active", version },
      { $set: { status: to, updateTime: now }, $inc: { version: 1 } },
      entry,
    );
  }

  /** Marks the account, as it was at `version`, deleted; null when it is gone or was changed since. */
  markDeleted(org: string, id: string, version: number, now: Date, entry: OutboxEntry): Promise<AccountDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, status: live, version },
      { $set: { status: "deleted", nameKey: `~deleted~${id}`, updateTime: now }, $inc: { version: 1 } },
      entry,
    );
  }

  async recordUse(uses: readonly { id: ObjectId; time: Date }[]): Promise<void> {
    await recordLastUse(this.collection, uses);
  }

  /** Active accounts other than `except` bound to admin in all environments. */
  async activeFullAdmins(org: string, except: ObjectId): Promise<number> {
    const docs = await this.collection
      .find({ org, status: "active", "roleBindings.role": "admin", _id: { $ne: except } }, { projection: { roleBindings: 1 } })
      .toArray();
    return docs.filter((d) => d.roleBindings.some((b) => b.role === "admin" && b.allEnvironments)).length;
  }

  /** Ends the manager designations of every live account bound to `role` (it is being widened) that has any. */
  async clearManagersOfRole(org: string, role: string, now: Date): Promise<void> {
    await this.collection.updateMany(
      { org, status: live, "roleBindings.role": role, $or: [{ managerAccountIds: { $ne: [] } }, { managerRoles: { $ne: [] } }] },
      { $set: { managerAccountIds: [], managerRoles: [], updateTime: now }, $inc: { version: 1 } },
    );
  }

  /** Active accounts of the organisation, at most `limit`, oldest first. */
  activeOf(org: string, limit: number): Promise<AccountDoc[]> {
    return this.collection.find({ org, status: "active" }).sort({ _id: 1 }).limit(limit).toArray();
  }

  /** Live accounts that name any of `roles` among their managers. */
  managedByRoles(org: string, roles: readonly string[]): Promise<AccountDoc[]> {
    return this.collection.find({ org, status: live, managerRoles: { $in: [...roles] } }).toArray();
  }

  countBoundToRole(org: string, role: string): Promise<number> {
    return this.collection.countDocuments({ org, status: live, $or: [{ "roleBindings.role": role }, { managerRoles: role }] });
  }

  countUsingEnvironment(org: string, environment: string): Promise<number> {
    return this.collection.countDocuments({ org, status: live, "roleBindings.environments": environment });
  }
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
