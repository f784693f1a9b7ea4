// A token's lifecycle: active → (expired | revoked); revoked → active again by Restore while it has
// not expired. Deleting is allowed only once a token can no longer be used.
import { failedPrecondition } from "./errors.ts";

export type TokenState = "active" | "expired" | "revoked";

export interface TokenLifecycle {
  expireTime: Date | null;
  revokeTime: Date | null;
  /** Set when the token was reported exposed, whatever its state then. */
  leakTime?: Date | null;
}

/** The revocation reason of a token revoked because it was reported exposed. */
export const leakedReason = "leaked";

export function tokenState(token: TokenLifecycle, now: Date): TokenState {
  if (token.revokeTime) return "revoked";
  if (token.expireTime && token.expireTime <= now) return "expired";
  return "active";
}

export function assertRestorable(token: TokenLifecycle, accountActive: boolean, now: Date): void {
  if (!token.revokeTime) throw failedPrecondition("the token is not revoked", "not_revoked");
  if (token.leakTime) throw failedPrecondition("the token leaked and cannot be restored; create a new one", "leaked");
  if (token.expireTime && token.expireTime <= now) throw failedPrecondition("the token has expired; create a new one", "expired");
  if (!accountActive) throw failedPrecondition("the token's service account is disabled; enable it first", "account_disabled");
}

export function assertDeletable(token: TokenLifecycle, now: Date): void {
  if (tokenState(token, now) === "active") {
    throw failedPrecondition("only revoked or expired tokens can be deleted; revoke it first", "token_active");
  }
}

export function assertRotatable(token: TokenLifecycle & { rotatedTo: unknown }, now: Date): void {
  if (token.rotatedTo) throw failedPrecondition("the token was already rotated; rotate its replacement", "already_rotated");
  if (tokenState(token, now) !== "active") throw failedPrecondition("only an active token can be rotated", "token_inactive");
}
