// Turns a presented bearer token into a verified identity: format and checksum first (no I/O),
// then the hash look-up, the account, and the grants of its roles narrowed by the token.
import type { Caller } from "../policy/access.ts";
import { IdentityError } from "../domain/errors.ts";
import { builtInRoles, grantsOf, narrow, type Binding, type Grants } from "../domain/permissions.ts";
import { hashToken, isWellFormed } from "../domain/token-format.ts";
import { tokenState } from "../domain/token-state.ts";
import type { Store } from "../store/store.ts";
import type { Invalidations } from "./invalidations.ts";
import type { UsageRecorder } from "./usage-recorder.ts";
import { unknownToken, type AuthAccount, type AuthToken, type LoadedAccount, type LoadedToken, type VerifyCache, type VerifyLoader } from "./verify-cache.ts";

/** A token that is active now, of an active account. */
export interface VerifiedToken extends LoadedToken {
  account: AuthAccount;
}

/** An authentication failure; the token and account are known when the token itself was found. */
export class AuthenticationError extends IdentityError {
  readonly verified: { token: AuthToken; account: AuthAccount } | undefined;

  constructor(reason: string, message: string, token?: AuthToken, account?: AuthAccount, field = "") {
    super("unauthenticated", message, reason, field);
    this.verified = token && account ? { token, account } : undefined;
  }
}

const builtInPermissions = new Map(builtInRoles.map((r) => [r.name, r.permissions]));

export class Authenticator {
  private readonly loader: VerifyLoader;

  constructor(
    private readonly store: Store,
    private readonly tokenPrefix: string,
    private readonly usage: UsageRecorder,
    private readonly cache: VerifyCache,
    private readonly invalidations: Invalidations,
  ) {
    this.loader = { token: (hash) => this.store.tokens.findForVerification(hash), account: (token) => this.loadAccount(token) };
  }

  /** Verifies a token; with `org`, tokens of other organisations count as unknown. */
  async verify(secret: string, now: Date, org?: string): Promise<VerifiedToken> {
    // Only the hash is kept (in the cache), never the secret.
    const hash = hashToken(secret);
    const time = now.getTime();
    const trusted = this.invalidations.fresh(time);
    const hit = this.cache.cached(hash, time, trusted);
    let loaded: LoadedToken | undefined;
    if (hit !== undefined) loaded = hit === unknownToken ? undefined : hit;
    else {
      // Refused before any read. What the cache holds was well-formed when it was read.
      if (!isWellFormed(secret, this.tokenPrefix)) {
        throw new AuthenticationError("malformed", "the token is malformed (wrong prefix, length, characters or checksum)");
      }
      loaded = await this.cache.load(hash, time, trusted, this.loader);
    }
    if (!loaded || (org !== undefined && loaded.token.org !== org)) throw new AuthenticationError("unknown", "the token is not known");
    return this.admit(loaded, now);
  }

  /** An account as verification keeps it, with its roles and grants. */
  private async loadAccount(token: AuthToken): Promise<LoadedAccount> {
    const doc = await this.store.accounts.findForAuthentication(token.accountId);
    if (!doc) return { account: null, roles: [], grants: new Map() };
    const account: AuthAccount = { _id: doc._id, org: doc.org, name: doc.name, status: doc.status };
    // Normalised as narrowing leaves them, so tokens without restrictions can share them.
    const grants = narrow(await this.grantsOf(doc.org, doc.roleBindings), [], []);
    return { account, roles: [...new Set(doc.roleBindings.map((b) => b.role))], grants };
  }

  /** Checks what was read against the clock: every request, cached or not. */
  private admit(loaded: LoadedToken, now: Date): VerifiedToken {
    const { token, account } = loaded;
    if (!account || account.status === "deleted") {
      throw new AuthenticationError("revoked", "the token's service account was deleted", token, account ?? undefined);
    }
    const state = tokenState(token, now);
    if (state !== "active") throw new AuthenticationError(state, `the token is ${state}`, token, account);
    if (account.status === "disabled") {
      throw new AuthenticationError("account_disabled", "the token's service account is disabled", token, account);
    }
    this.usage.record(loaded, now);
    // The cached object itself: what callers derive from it (e.g. Verify's answer) lives as long as its entry.
    return loaded as VerifiedToken;
  }

  /** The grants of role bindings in an organisation, custom roles included. */
  async grantsOf(org: string, bindings: readonly Binding[]): Promise<Grants> {
    const lookup = await this.rolePermissions(org, bindings);
    return grantsOf(bindings, lookup);
  }

  /** Resolves role names to permissions; reads custom roles only when a binding needs one. */
  async rolePermissions(org: string, bindings: readonly Binding[]): Promise<(role: string) => readonly string[] | undefined> {
    const custom = bindings.some((b) => !builtInPermissions.has(b.role)) ? await this.store.roles.listAll(org) : [];
    const customPermissions = new Map(custom.map((r) => [r.name, r.permissions]));
    return (role) => builtInPermissions.get(role) ?? customPermissions.get(role);
  }
}

/** Callers acting for themselves, one per cached entry (replaced with it), frozen: shared by every call it serves. */
const ownCallers = new WeakMap<VerifiedToken, Caller>();

export function toCaller(verified: VerifiedToken, delegate: Caller["delegate"] = null): Caller {
  if (delegate !== null) return callerOf(verified, delegate);
  let caller = ownCallers.get(verified);
  if (!caller) ownCallers.set(verified, (caller = Object.freeze(callerOf(verified, null))));
  return caller;
}

function callerOf(verified: VerifiedToken, delegate: Caller["delegate"]): Caller {
  return {
    org: verified.account.org,
    accountId: verified.accountId,
    accountName: verified.account.name,
    tokenId: verified.tokenId,
    roles: verified.roles,
    grants: verified.grants,
    audiences: verified.token.audiences,
    tokenExpireTime: verified.token.expireTime,
    delegate,
  };
}

/** A token that names audiences is valid only for those. */
export function requireAudience(verified: VerifiedToken, audience: string): void {
  const { audiences } = verified.token;
  if (audiences.length > 0 && !audiences.includes(audience)) {
    throw new AuthenticationError(
      "audience_mismatch",
      audience ? `the token is not valid for audience "${audience}"` : "the token names audiences; say which one you are",
      verified.token,
      verified.account,
    );
  }
}
