import { ObjectId, type Collection, type Db, type Filter } from "mongodb";
import type { AuthToken } from "../auth/verify-cache.ts";
import { leakedReason, type TokenState } from "../domain/token-state.ts";
import type { OutboxEntry, TokenDoc } from "./documents.ts";
import type { Outbox } from "./outbox.ts";
import { pageBy, recordLastUse, type Page } from "./paging.ts";

export class TokenRepository {
  readonly collection: Collection<TokenDoc>;

  constructor(
    db: Db,
    private readonly outbox: Outbox,
  ) {
    this.collection = outbox.register(db.collection<TokenDoc>("tokens"));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ hash: 1 }, { unique: true });
    await this.collection.createIndex({ org: 1, accountId: 1 });
  }

  /** Stores a token; its effects ride on it, or (a rotation's replacement) on the token it replaces. */
  async insert(doc: TokenDoc, entry?: OutboxEntry): Promise<void> {
    await this.outbox.insert(this.collection, doc, entry);
  }

  findByHash(hash: string): Promise<TokenDoc | null> {
    return this.collection.findOne({ hash });
  }

  /** What verification keeps of a token (auth/verify-cache.ts), read by hash; undefined when unknown. */
  async findForVerification(hash: string): Promise<AuthToken | undefined> {
    return (await this.collection.findOne<AuthToken>({ hash }, { projection: verificationFields })) ?? undefined;
  }

  find(org: string, id: string): Promise<TokenDoc | null> {
    return this.collection.findOne({ _id: new ObjectId(id), org });
  }

  list(
    org: string,
    accountIds: readonly ObjectId[] | undefined,
    state: TokenState | undefined,
    now: Date,
    pageSize: number,
    after: string | undefined,
  ): Promise<Page<TokenDoc>> {
    const filter: Filter<TokenDoc> = { org, ...stateFilter(state, now) };
    if (accountIds) filter.accountId = { $in: [...accountIds] };
    return pageBy(this.collection, filter, { key: "_id", pageSize, after });
  }

  /** Active tokens per account, for the accounts' `active_token_count`. */
  async countActive(org: string, accountIds: readonly ObjectId[], now: Date): Promise<Map<string, number>> {
    const rows = await this.collection
      .aggregate<{ _id: ObjectId; count: number }>([
        { $match: { org, accountId: { $in: [...accountIds] }, ...stateFilter("active", now) } },
        { $group: { _id: "$accountId", count: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((r) => [r._id.toHexString(), r.count]));
  }

  /**
   * Marks an active, not yet rotated token as replaced by `replacement` and shortens its life to
   * `expireTime`. Only one of many concurrent rotations can win this update.
   */
  claimRotation(org: string, id: string, replacement: ObjectId, expireTime: Date, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, rotatedTo: null, ...stateFilter("active", now) },
      { $set: { rotatedTo: replacement, expireTime }, $inc: { version: 1 } },
      entry,
    );
  }

  /** Undoes a claim whose replacement could not be stored. */
  async releaseRotation(claimed: TokenDoc, previousExpireTime: Date | null, entry: OutboxEntry): Promise<void> {
    await this.outbox.update(
      this.collection,
      { _id: claimed._id, rotatedTo: claimed.rotatedTo },
      { $set: { rotatedTo: null, expireTime: previousExpireTime }, $inc: { version: 1 } },
      entry,
    );
  }

  revoke(org: string, id: string, reason: string, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, revokeTime: null },
      { $set: { revokeTime: now, revokeReason: reason }, $inc: { version: 1 } },
      entry,
    );
  }

  restore(org: string, id: string, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(
      this.collection,
      // A leaked token stays revoked, even if it leaked while a restore was on its way.
      { _id: new ObjectId(id), org, revokeTime: { $ne: null }, leakTime: null, $or: [{ expireTime: null }, { expireTime: { $gt: now } }] },
      { $set: { revokeTime: null, revokeReason: "" }, $inc: { version: 1 } },
      entry,
    );
  }

  /** Deletes the token only if it is revoked or expired at `now`. */
  deleteInactive(org: string, id: string, now: Date, entry: OutboxEntry): Promise<boolean> {
    return this.outbox.delete(
      this.collection,
      { _id: new ObjectId(id), org, $or: [{ revokeTime: { $ne: null } }, { expireTime: { $lte: now } }] },
      entry,
    );
  }

  /** Revokes a live token reported exposed, recording when; null when it was no longer live. */
  revokeLeaked(org: string, id: string, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, revokeTime: null },
      { $set: { revokeTime: now, revokeReason: leakedReason, leakTime: now }, $inc: { version: 1 } },
      entry,
    );
  }

  /** Records that an inactive token was reported exposed, so it is never restored. */
  markLeaked(org: string, id: string, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(this.collection, { _id: new ObjectId(id), org }, { $set: { leakTime: now }, $inc: { version: 1 } }, entry);
  }

  async revokeAllOfAccount(org: string, accountId: ObjectId, reason: string, now: Date): Promise<number> {
    const result = await this.collection.updateMany(
      { org, accountId, revokeTime: null },
      { $set: { revokeTime: now, revokeReason: reason }, $inc: { version: 1 } },
    );
    return result.modifiedCount;
  }

  /** Active tokens of the organisation, at most `limit`, oldest first. */
  activeOf(org: string, now: Date, limit: number): Promise<TokenDoc[]> {
    return this.collection.find({ org, ...stateFilter("active", now) }).sort({ _id: 1 }).limit(limit).toArray();
  }

  /** Active tokens whose last use (or, never used, creation) is before `cutoff`, at most `limit`. */
  unusedSince(org: string, cutoff: Date, now: Date, limit: number): Promise<TokenDoc[]> {
    return this.collection.find({ org, ...stateFilter("active", now), ...unusedFilter(cutoff) }).limit(limit).toArray();
  }

  /** Revokes the token only if it is still unused since `cutoff`: a use meanwhile saves it. */
  revokeUnused(org: string, id: string, cutoff: Date, now: Date, entry: OutboxEntry): Promise<TokenDoc | null> {
    return this.outbox.update(
      this.collection,
      { _id: new ObjectId(id), org, revokeTime: null, ...unusedFilter(cutoff) },
      { $set: { revokeTime: now, revokeReason: "unused" }, $inc: { version: 1 } },
      entry,
    );
  }

  countUsingEnvironment(org: string, environment: string, now: Date): Promise<number> {
    return this.collection.countDocuments({ org, environments: environment, ...stateFilter("active", now) });
  }

  /** Records use off the request path: one bulk write per flush, one update per token. */
  async recordUse(uses: readonly { id: ObjectId; time: Date }[]): Promise<void> {
    await recordLastUse(this.collection, uses);
  }
}

const verificationFields = { _id: 1, org: 1, accountId: 1, permissions: 1, environments: 1, audiences: 1, expireTime: 1, revokeTime: 1 } satisfies Record<keyof AuthToken, 1>;

/** Not used since `cutoff`: its last use before it, or never used and created before it. */
export function unusedFilter(cutoff: Date): Filter<TokenDoc> {
  return { $and: [{ $or: [{ lastUsedTime: { $lt: cutoff } }, { lastUsedTime: null, createTime: { $lt: cutoff } }] }] };
}

export function stateFilter(state: TokenState | undefined, now: Date): Filter<TokenDoc> {
  switch (state) {
    case "active":
      return { revokeTime: null, $or: [{ expireTime: null }, { expireTime: { $gt: now } }] };
    case "expired":
      return { revokeTime: null, expireTime: { $lte: now } };
    case "revoked":
      return { revokeTime: { $ne: null } };
    default:
      return {};
  }
}
