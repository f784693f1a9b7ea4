// The one way a token comes to be: a fresh secret (only its hash and hint are kept) and an expiry
// under the organisation's lifetime policy. CreateToken, RotateToken, bootstrap and the benchmark
// seeder all issue through here.
import type { ObjectId } from "mongodb";
import { issueToken } from "../domain/token-format.ts";
import { expiryFor, type TokenPolicy } from "../domain/token-policy.ts";
import { newToken, type PrincipalDoc, type TokenDoc } from "../store/documents.ts";

export interface TokenRequest {
  org: string;
  accountId: ObjectId;
  label: string;
  createdBy: PrincipalDoc;
  policy: TokenPolicy;
  /** Asked lifetime; undefined: the policy's default. */
  ttlMs: number | undefined;
  now: Date;
  tokenPrefix: string;
  permissions?: string[];
  environments?: string[];
  audiences?: string[];
  /** A rotation's replacement: its id is claimed before it is stored, and it names its predecessor. */
  id?: ObjectId;
  rotatedFrom?: ObjectId;
}

export interface IssuedToken {
  doc: TokenDoc;
  /** The bearer token, to show once and never store. */
  secret: string;
}

export function issue(request: TokenRequest): IssuedToken {
  const { secret, hash, hint } = issueToken(request.tokenPrefix);
  const doc = newToken({
    ...(request.id ? { _id: request.id } : {}),
    org: request.org,
    accountId: request.accountId,
    label: request.label,
    hash,
    hint,
    permissions: request.permissions ?? [],
    environments: request.environments ?? [],
    audiences: request.audiences ?? [],
    createdBy: request.createdBy,
    createTime: request.now,
    expireTime: expiryFor(request.policy, request.ttlMs, request.now),
    rotatedFrom: request.rotatedFrom ?? null,
  });
  return { doc, secret };
}
