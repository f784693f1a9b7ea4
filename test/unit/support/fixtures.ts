// A small organisation over the memory store, for use-case tests: accounts and tokens are seeded
// straight into the store (no effects), callers are built as authentication builds them, and each
// call gets the Effects the rpc layer would make. What a call committed is read from the logs.
import { ObjectId } from "mongodb";
import { expect } from "vitest";
import { IdentityError } from "../../../services/identity/domain/errors.ts";
import { narrow, type Binding } from "../../../services/identity/domain/permissions.ts";
import type { Caller } from "../../../services/identity/policy/access.ts";
import type { AccountChanges } from "../../../services/identity/store/account-repository.ts";
import type { AccountDoc, OutboxEntry, RoleDoc, TokenDoc } from "../../../services/identity/store/documents.ts";
import type { Deps } from "../../../services/identity/use-cases/deps.ts";
import { actionOf, Effects, type Call } from "../../../services/identity/use-cases/effects.ts";
import { issue } from "../../../services/identity/use-cases/issue-token.ts";
import { MemoryStore } from "./memory-store.ts";

export const tokenPrefix = "tsr";
export const all = (role: string): Binding => ({ role, allEnvironments: true, environments: [] });
export const inEnv = (role: string, ...environments: string[]): Binding => ({ role, allEnvironments: false, environments });

/** An account with a token of it and the caller that token authenticates as. */
export interface Principal {
  account: AccountDoc;
  token: TokenDoc;
  secret: string;
  caller: Caller;
}

export interface TokenOptions {
  permissions?: string[];
  environments?: string[];
  /** Milliseconds from now; negative: already expired. */
  expiresIn?: number;
  revoked?: boolean;
}

const hour = 3_600_000;

export class World {
  readonly store = new MemoryStore();
  readonly deps: Deps = { store: this.store, roles: this.store.resolver, tokenPrefix };

  constructor(readonly org = "acme") {}

  /** An organisation with environments dev, staging and prod. */
  static async create(org = "acme"): Promise<World> {
    const world = new World(org);
    await world.store.organizations.create(org, { maxTtlMs: null, defaultTtlMs: null }, new Date());
    for (const name of ["dev", "staging", "prod"]) {
      await world.store.environments.insert({ _id: new ObjectId(), org, name, description: "", createTime: new Date() });
    }
    return world;
  }

  async account(name: string, roleBindings: Binding[], extra: Partial<AccountDoc> = {}): Promise<AccountDoc> {
    const now = new Date();
    const doc: AccountDoc = {
      _id: new ObjectId(),
      org: this.org,
      name,
      nameKey: name,
      description: "",
      owner: "",
      status: "active",
      roleBindings,
      managerAccountIds: [],
      managerRoles: [],
      createdBy: { accountId: "000000000000000000000000", accountName: "seed" },
      createTime: now,
      updateTime: now,
      lastUsedTime: null,
      version: 1,
      ...extra,
    };
    await this.store.accounts.insert(doc);
    return doc;
  }

  async token(account: AccountDoc, options: TokenOptions = {}): Promise<{ token: TokenDoc; secret: string }> {
    const now = new Date();
    const { doc, secret } = issue({
      org: account.org,
      accountId: account._id,
      label: "seeded",
      createdBy: { accountId: account._id.toHexString(), accountName: account.name },
      policy: { maxTtlMs: null, defaultTtlMs: null },
      ttlMs: undefined,
      // An expired token was created before it expired.
      now: options.expiresIn !== undefined && options.expiresIn <= 0 ? new Date(now.getTime() - hour) : now,
      tokenPrefix,
      permissions: options.permissions,
      environments: options.environments,
    });
    if (options.expiresIn !== undefined) doc.expireTime = new Date(now.getTime() + options.expiresIn);
    if (options.revoked) Object.assign(doc, { revokeTime: now, revokeReason: "seeded" });
    await this.store.tokens.insert(doc);
    return { token: doc, secret };
  }

  /** The caller a token authenticates as: its account's grants narrowed by the token (auth/authenticator.ts). */
  async callerOf(account: AccountDoc, token: TokenDoc): Promise<Caller> {
    const grants = narrow(await this.deps.roles.grantsOf(account.org, account.roleBindings), token.permissions, token.environments);
    return {
      org: account.org,
      accountId: account._id.toHexString(),
      accountName: account.name,
      tokenId: token._id.toHexString(),
      roles: [...new Set(account.roleBindings.map((b) => b.role))],
      grants,
      audiences: token.audiences,
      tokenExpireTime: token.expireTime,
      delegate: null,
    };
  }

  /** A new account with one token, and its caller. */
  async principal(name: string, roleBindings: Binding[], options: TokenOptions & { extra?: Partial<AccountDoc> } = {}): Promise<Principal> {
    const account = await this.account(name, roleBindings, options.extra);
    const { token, secret } = await this.token(account, options);
    return { account, token, secret, caller: await this.callerOf(account, token) };
  }

  async role(name: string, permissions: string[]): Promise<RoleDoc> {
    const now = new Date();
    const doc: RoleDoc = { _id: new ObjectId(), org: this.org, name, description: "", permissions, createTime: now, updateTime: now };
    await this.store.roles.insert(doc);
    return doc;
  }

  /** The Effects the rpc layer makes for `method` (e.g. "CreateToken"), with the actor authentication fills in. */
  call(caller: Caller, method: string): Call {
    const effects = new Effects(actionOf(method), () => ({ requestId: "req-1", clientRequestId: "", channel: "connect", peer: "127.0.0.1" }));
    effects.org = caller.org;
    effects.actor = { accountId: caller.accountId, accountName: caller.accountName, tokenId: caller.tokenId };
    return { caller, effects };
  }

  /** An entry for a seeding write that requires one (e.g. a repository update); clear the logs after. */
  entry(): OutboxEntry {
    return new Effects("seed.write", () => ({ requestId: "seed", clientRequestId: "", channel: "test", peer: "" })).commit();
  }

  /** Changes a seeded account behind the use cases' back; what the write commits is forgotten. */
  async change(account: AccountDoc, changes: AccountChanges): Promise<void> {
    await this.store.accounts.update(this.org, account._id.toHexString(), undefined, changes, new Date(), this.entry());
    this.store.logs.clear();
  }

  /** What the relay delivered: each audit event as "action target @version", each invalidation as "kind:key". */
  committed(): { events: string[]; invalidations: string[] } {
    return {
      events: this.store.logs.audit.map((e) => `${e.action} ${e.target} @${e.targetVersion}`),
      invalidations: this.store.logs.invalidations.map((i) => `${i.kind}:${i.key}`),
    };
  }
}

/** The IdentityError a call failed with; fails the test when it succeeds or fails otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<IdentityError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityError);
    return error as IdentityError;
  }
  throw new Error("expected the call to be refused");
}

/** Asserts the refusal's code, reason and field (field "" unless given). */
export async function expectRefused(promise: Promise<unknown>, code: IdentityError["code"], reason: string = code, field = ""): Promise<IdentityError> {
  const error = await refusal(promise);
  expect({ code: error.code, reason: error.reason, field: error.field }).toEqual({ code, reason, field });
  return error;
}

export const hours = (n: number) => ({ seconds: BigInt(n * 3600), nanos: 0 });
