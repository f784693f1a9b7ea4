// Changes the operator makes outside the API: an organisation with its first admin (the only way
// into a new organisation, so it refuses when the organisation exists) and the credential a
// bundled service such as the MCP server uses. Each is committed with its audit event like any
// other change, on the channel the operator used.
import { randomUUID } from "node:crypto";
import { ObjectId } from "mongodb";
import { apiAccountId, apiTokenId } from "../../../client/ids.ts";
import type { TokenPolicy } from "../domain/token-policy.ts";
import type { AccountDoc, PrincipalDoc } from "../store/documents.ts";
import type { Repositories } from "./deps.ts";
import { Effects, invalidate } from "./effects.ts";
import { issue } from "./issue-token.ts";

export interface IssuedCredential {
  org: string;
  accountId: string;
  tokenId: string;
  /** The bearer token, shown once. */
  token: string;
}

export interface CredentialSpec {
  org: string;
  name: string;
  description: string;
  role: string;
  tokenPrefix: string;
  /** Where the operator acted, for the audit trail: "cli" for commands and `npm start`. */
  channel: string;
}

type OperatorStore = Pick<Repositories, "organizations" | "accounts" | "tokens">;

/** The effects of one operator change, acting as `actor` (an account the change itself may create). */
function operatorEffects(org: string, actor: PrincipalDoc, action: string, target: string, channel: string): Effects {
  const effects = new Effects(action, () => ({ requestId: randomUUID(), clientRequestId: "", channel, peer: "" }));
  effects.org = org;
  effects.actor = actor;
  effects.on(target);
  return effects;
}

export async function bootstrapOrganization(
  store: OperatorStore,
  options: { org: string; adminName: string; tokenPrefix: string; tokenPolicy: TokenPolicy; channel: string },
): Promise<IssuedCredential> {
  const admin = new ObjectId();
  const actor = { accountId: admin.toHexString(), accountName: options.adminName };
  const created = operatorEffects(options.org, actor, "organization.create", options.org, options.channel);
  await store.organizations.create(options.org, options.tokenPolicy, new Date(), created.commit());
  return issueCredential(
    store,
    { org: options.org, name: options.adminName, description: "First administrator, created by bootstrap", role: "admin", tokenPrefix: options.tokenPrefix, channel: options.channel },
    admin,
  );
}

/** A new token for the named account, which is created with `role` if it does not exist yet. */
export async function issueCredential(store: OperatorStore, spec: CredentialSpec, newAccountId = new ObjectId()): Promise<IssuedCredential> {
  const now = new Date();
  const account = (await store.accounts.findByName(spec.org, spec.name)) ?? (await createAccount(store, spec, newAccountId, now));
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
  const issued = operatorEffects(spec.org, { ...actor, tokenId: doc._id.toHexString() }, "credential.issue", apiTokenId(doc._id), spec.channel);
  await store.tokens.insert(doc, issued.commit([invalidate("token", doc.hash)]));
  return { org: spec.org, accountId: apiAccountId(account._id), tokenId: apiTokenId(doc._id), token: secret };
}

async function createAccount(store: OperatorStore, spec: CredentialSpec, _id: ObjectId, now: Date): Promise<AccountDoc> {
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
  const actor = { accountId: _id.toHexString(), accountName: spec.name };
  await store.accounts.insert(account, operatorEffects(spec.org, actor, "service_account.create", apiAccountId(_id), spec.channel).commit());
  return account;
}
