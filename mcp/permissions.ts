// Who the MCP server serves, and which tools it offers them. Each tool names the identity
// permissions it needs; a caller sees only the tools its token's permissions cover (`*` covers
// all). This only shapes the offer: the identity service still authorises every call.
import { wildcardPermission, type IdentityPermission } from "../client/permissions.ts";
import type { Identity } from "../gen/tessera/identity/v1/verify_pb.ts";

export type { IdentityPermission };

/** The caller a server acts for, from WhoAmI: the token (confirmation codes are bound to it) and its permissions. */
export interface Caller {
  tokenId: string;
  /** Distinct permission names the token holds in at least one environment. */
  permissions: readonly string[];
}

export function callerOf(identity: Identity): Caller {
  return { tokenId: identity.tokenId, permissions: identity.permissions };
}

/** Whether a caller holding `held` may use a tool that needs `required`. */
export function covers(held: readonly string[], required: readonly string[]): boolean {
  return held.includes(wildcardPermission) || required.every((p) => held.includes(p));
}

/** The permissions of `required` that `held` lacks. */
export function missing(held: readonly string[], required: readonly string[]): string[] {
  return held.includes(wildcardPermission) ? [] : required.filter((p) => !held.includes(p));
}
