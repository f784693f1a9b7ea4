// The shapes stored in MongoDB. Ids are ObjectIds; the API shows them with a type prefix.
import { ObjectId } from "mongodb";
import type { TokenPolicy } from "../domain/token-policy.ts";

export type InvalidationKind = "token" | "account" | "organization";

/** An entry of the change log that carries cache invalidations between instances. */
export interface InvalidationDoc {
  _id: ObjectId;
  kind: InvalidationKind;
  /** Token hash, account id (hex) or organisation name. */
  key: string;
  time: Date;
}

/** A mutation's effects, committed with it and relayed afterwards (store/outbox.ts). */
export interface OutboxEntry {
  id: ObjectId;
  audit: AuditDoc;
  invalidations: { kind: InvalidationKind; key: string }[];
  /** Set in memory (never stored) once the entry was written with its mutation. */
  written?: true;
}

/** Effects waiting on a document to be relayed (store/outbox.ts); never shown by the API. */
export interface Pending {
  outbox?: OutboxEntry[];
  deleting?: boolean;
}

export interface PrincipalDoc {
  accountId: string;
  accountName: string;
  /** The token that acted (absent on events written before it was recorded). */
  tokenId?: string;
}

export interface OrganizationDoc extends Pending {
  _id: string;
  createTime: Date;
  tokenPolicy: TokenPolicy;
  /** Held while a change that could remove the last full admin runs (see AdminGuard). */
  adminLock?: string | null;
  adminLockTime?: Date;
}

export type AccountStatus = "active" | "disabled" | "deleted";

export interface RoleBindingDoc {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

export interface AccountDoc extends Pending {
  _id: ObjectId;
  org: string;
  name: string;
  /** A human name shown beside `name` (absent on accounts created before it existed). */
  displayName?: string;
  /** `name` while the account exists; freed (set to a unique tombstone) when it is deleted. */
  nameKey: string;
  description: string;
  owner: string;
  status: AccountStatus;
  roleBindings: RoleBindingDoc[];
  managerAccountIds: string[];
  managerRoles: string[];
  createdBy: PrincipalDoc;
  createTime: Date;
  updateTime: Date;
  lastUsedTime: Date | null;
  /** Incremented by every update; the API's etag. */
  version: number;
}

export interface TokenDoc extends Pending {
  _id: ObjectId;
  org: string;
  accountId: ObjectId;
  label: string;
  /** SHA-256 of the bearer token, hex. The token itself is never stored. */
  hash: string;
  hint: string;
  permissions: string[];
  environments: string[];
  audiences: string[];
  createdBy: PrincipalDoc;
  createTime: Date;
  expireTime: Date | null;
  revokeTime: Date | null;
  revokeReason: string;
  /** When the token was reported exposed (absent: never); such a token is never restored. */
  leakTime?: Date | null;
  lastUsedTime: Date | null;
  rotatedFrom: ObjectId | null;
  rotatedTo: ObjectId | null;
  /** Incremented by each state change (revoke, restore, rotation), to order concurrent changes. */
  version: number;
}

/** A new, active token: what is given, with no use, revocation or rotation yet. */
export function newToken(
  init: Pick<TokenDoc, "org" | "accountId" | "label" | "hash" | "hint" | "createdBy" | "createTime" | "expireTime"> &
    Partial<Pick<TokenDoc, "_id" | "permissions" | "environments" | "audiences" | "rotatedFrom">>,
): TokenDoc {
  return {
    _id: new ObjectId(),
    permissions: [],
    environments: [],
    audiences: [],
    rotatedFrom: null,
    ...init,
    revokeTime: null,
    revokeReason: "",
    lastUsedTime: null,
    rotatedTo: null,
    version: 1,
  };
}

export interface RoleDoc extends Pending {
  _id: ObjectId;
  org: string;
  name: string;
  description: string;
  permissions: string[];
  createTime: Date;
  updateTime: Date;
}

export interface EnvironmentDoc extends Pending {
  _id: ObjectId;
  org: string;
  name: string;
  description: string;
  createTime: Date;
}

/** A condition on one claim of an external token: equal to a value, or matching a "*" pattern. */
export interface ClaimConditionDoc {
  claim: string;
  equals?: string;
  pattern?: string;
}

/** Which external OIDC tokens an organisation accepts, and the tokens they are exchanged for. */
export interface TrustPolicyDoc extends Pending {
  _id: ObjectId;
  org: string;
  name: string;
  description: string;
  issuer: string;
  audiences: string[];
  conditions: ClaimConditionDoc[];
  accountId: ObjectId;
  permissions: string[];
  environments: string[];
  tokenAudiences: string[];
  maxTtlMs: number;
  createTime: Date;
  createdBy: PrincipalDoc;
}

export interface AuditDoc {
  _id: ObjectId;
  time: Date;
  org: string;
  actor: PrincipalDoc | null;
  delegate: PrincipalDoc | null;
  channel: string;
  action: string;
  target: string;
  outcome: string;
  reason: string;
  requestId: string;
  clientRequestId?: string;
  /** What the change carried that the target does not show, e.g. a revocation's reason. */
  detail?: string;
  peer: string;
  /** The target's version after the change (0: not versioned), to order concurrent changes. */
  targetVersion: number;
}
