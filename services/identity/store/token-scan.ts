// The webhook lifecycle scan's view of the tokens: pages of tokens about to expire, expired, or not
// used, in id order, so a scan that stops at its limit continues after the last id it saw.
// Tokens replaced by a rotation are left out: their end is expected.
import type { Collection, Filter, ObjectId } from "mongodb";
import type { TokenDoc } from "./documents.ts";
import { stateFilter, unusedFilter } from "./token-repository.ts";

export type ScanWindow =
  /** Active tokens expiring by `until`. */
  | { kind: "expiring"; until: Date }
  /** Tokens that expired after `since` (and were not revoked). */
  | { kind: "expired"; since: Date }
  /** Active tokens not used since `cutoff`. */
  | { kind: "unused"; cutoff: Date };

export type ScannedToken = Pick<TokenDoc, "_id" | "org" | "accountId" | "label" | "createTime" | "expireTime" | "lastUsedTime">;

const fields = { _id: 1, org: 1, accountId: 1, label: 1, createTime: 1, expireTime: 1, lastUsedTime: 1 } satisfies Record<keyof ScannedToken, 1>;

export class TokenScan {
  constructor(private readonly tokens: Collection<TokenDoc>) {}

  async ensureIndexes(): Promise<void> {
    await this.tokens.createIndex({ org: 1, expireTime: 1 });
    await this.tokens.createIndex({ org: 1, lastUsedTime: 1 });
  }

  page(org: string, window: ScanWindow, now: Date, after: ObjectId | undefined, limit: number): Promise<ScannedToken[]> {
    const filter: Filter<TokenDoc> =
      window.kind === "expiring"
        ? { org, revokeTime: null, rotatedTo: null, expireTime: { $gt: now, $lte: window.until } }
        : window.kind === "expired"
          ? { org, revokeTime: null, rotatedTo: null, expireTime: { $gt: window.since, $lte: now } }
          : { org, ...stateFilter("active", now), ...unusedFilter(window.cutoff) };
    if (after) filter._id = { $gt: after };
    return this.tokens.find<ScannedToken>(filter, { projection: fields }).sort({ _id: 1 }).limit(limit).toArray();
  }
}
