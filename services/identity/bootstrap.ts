// Accounts created outside the API, by the operator: an organisation's first admin (the only way
// into a new organisation, so it refuses when the organisation exists) and the credential a
// bundled service such as the MCP server uses. Both are audited like any other change.
import { ObjectId } from "mongodb";
import type { TokenPolicy } from "./domain/token-policy.ts";
import { apiAccountId, apiTokenId } from "./rpc/handlers/convert.ts";
import type { AccountDoc, PrincipalDoc } from "./store/documents.ts";
import { issue } from "./use-cases/issue-token.ts";
import type { Store } from "./store/store.ts";

export interface IssuedCredential {
  org: string;
  accountId: string;
  tokenId: string;
  /** The bearer token, shown once. */
  token: string;
}

interface CredentialSpec {
  org: string;
  name: string;
  description: string;
  role: string;
  tokenPrefix: string;
  channel: string;
}

export async function bootstrapOrganization(
  store: Store,
  options: { org: string; adminName: string; tokenPrefix: string; tokenPolicy: TokenPolicy; channel: string },
): Promise<IssuedCredential> {
  await store.organizations.create(options.org, options.tokenPolicy, new Date());
  return issueCredential(store, {
    org: options.org,
    name: options.adminName,
    description: "First administrator, created by bootstrap",
    role: "admin",
    tokenPrefix: options.tokenPrefix,
    channel: options.channel,
  });
}

/** A new token for the named account, which is created with `role` if it does not exist yet. */
export async function issueCredential(store: Store, spec: CredentialSpec): Promise<IssuedCredential> {
  const now = new Date();
  const account = (await store.accounts.findByName(spec.org, spec.name)) ?? (await createAccount(store, spec, now));
  const actor: PrincipalDoc = { accountId: account._id.toHexString(), accountName: account.name };
  const organization = await store.organizations.find(spec.org);
  const { doc, secret } = issue({
    org: spec.org,
    accountId: account._id,
    label: spec.name,
    createdBy: actor,
    policy: organization?.tokenPolicy ?? { maxTtlMs: null, defaultTtlMs: null },
    ttlMs: undefined,
    now,
    tokenPrefix: spec.tokenPrefix,
  });
  const tokenId = doc._id;
  // The issuance and its audit event are committed together, like every other change.
  await store.tokens.insert(
    doc,
    {
      id: new ObjectId(),
      audit: {
        _id: new ObjectId(),
        time: now,
        org: spec.org,
        actor: { ...actor, tokenId: tokenId.toHexString() },
        delegate: null,
        channel: spec.channel,
        action: "credential.issue",
        target: apiTokenId(tokenId),
        outcome: "ok",
        reason: "",
        requestId: "",
        peer: "",
        targetVersion: 1,
      },
      invalidations: [{ kind: "token", key: doc.hash }],
    },
  );
  return { org: spec.org, accountId: apiAccountId(actor.accountId), tokenId: apiTokenId(tokenId), token: secret };
}

async function createAccount(store: Store, spec: CredentialSpec, now: Date): Promise<AccountDoc> {
  const _id = new ObjectId();
  const account: AccountDoc = {
    _id,
    org: spec.org,
    name: spec.name,
    nameKey: spec.name,
    description: spec.description,
    owner: "",
    status: "active",
    roleBindings: [{ role: spec.role, allEnvironments: true, environments: [] }],
    managerAccountIds: [],
    managerRoles: [],
    createdBy: { accountId: _id.toHexString(), accountName: spec.name },
    createTime: now,
    updateTime: now,
    lastUsedTime: null,
    version: 1,
  };
  await store.accounts.insert(account);
  return account;
}
