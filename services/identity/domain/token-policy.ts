// The organisation's token policy: how long tokens may live, and how long they may go unused.
import { invalidArgument } from "./errors.ts";

export interface TokenPolicy {
  maxTtlMs: number | null;
  defaultTtlMs: number | null;
  /** Tokens unused for this long are revoked; absent or null: never (organisations from before it have none). */
  revokeUnusedAfterMs?: number | null;
}

/** The shortest revoke_unused_after: a day, so a token is never revoked between two of its uses in one day. */
export const minRevokeUnusedAfterMs = 86_400_000;

/** The expiry of a token asked to live `ttlMs` (undefined: the default) from `now`. */
export function expiryFor(policy: TokenPolicy, ttlMs: number | undefined, now: Date, field = "ttl"): Date | null {
  const ttl = ttlMs ?? policy.defaultTtlMs ?? policy.maxTtlMs;
  if (ttl === null) return null;
  if (policy.maxTtlMs !== null && ttl > policy.maxTtlMs) {
    throw invalidArgument(field, `exceeds the organisation's maximum token lifetime of ${formatDuration(policy.maxTtlMs)}`);
  }
  return new Date(now.getTime() + ttl);
}

export function assertPolicyConsistent(policy: TokenPolicy): void {
  if (policy.maxTtlMs !== null && policy.defaultTtlMs !== null && policy.defaultTtlMs > policy.maxTtlMs) {
    throw invalidArgument("organization.token_policy.default_token_ttl", "must not exceed max_token_ttl");
  }
}

export function formatDuration(ms: number): string {
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("") || `${ms}ms`;
}
