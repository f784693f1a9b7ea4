// Creates an organisation with its first admin account and token. The only way in for a new
// organisation, so it refuses when the organisation already exists.
import { ObjectId } from "mongodb";
import { issueToken } from "./domain/token-format.ts";
import { expiryFor, type TokenPolicy } from "./domain/token-policy.ts";
import { apiAccountId, apiTokenId } from "./handlers/convert.ts";
import type { Store } from "./store/store.ts";

export interface BootstrapResult {
  org: string;
  accountId: string;
  tokenId: string;
  /** The admin's bearer token, shown once. */
  token: string;
}

export async function bootstrapOrganization(
  store: Store,
  options: { org: string; adminName: string; tokenPrefix: string; tokenPolicy: TokenPolicy; channel: string },
): Promise<BootstrapResult> {
  const now = new Date();
  await store.organizations.create(options.org, options.tokenPolicy, now);
  const accountId = new ObjectId();
  const admin = { accountId: accountId.toHexString(), accountName: options.adminName };
  await store.accounts.insert({
    _id: accountId,
    org: options.org,
    name: options.adminName,
    nameKey: options.adminName,
    description: "First administrator, created by bootstrap",
    owner: "",
    status: "active",
    roleBindings: [{ role: "admin", allEnvironments: true, environments: [] }],
    managerAccountIds: [],
    managerRoles: [],
    createdBy: admin,
    createTime: now,
    updateTime: now,
    lastUsedTime: null,
    version: 1,
  });
  const issued = issueToken(options.tokenPrefix);
  const tokenId = new ObjectId();
  await store.tokens.insert({
    _id: tokenId,
    org: options.org,
    accountId,
    label: "bootstrap",
    hash: issued.hash,
    hint: issued.hint,
    permissions: [],
    environments: [],
    audiences: [],
    createdBy: admin,
    createTime: now,
    expireTime: expiryFor(options.tokenPolicy, undefined, now),
    revokeTime: null,
    revokeReason: "",
    lastUsedTime: null,
    rotatedFrom: null,
    rotatedTo: null,
  });
  await store.audit.append({
    _id: new ObjectId(),
    time: now,
    org: options.org,
    actor: admin,
    delegate: null,
    channel: options.channel,
    action: "organization.bootstrap",
    target: options.org,
    outcome: "ok",
    reason: "",
    requestId: "",
    peer: "",
  });
  return { org: options.org, accountId: apiAccountId(admin.accountId), tokenId: apiTokenId(tokenId), token: issued.secret };
}
