// What tools return: plain JSON shaped for a model (friendly enums, ISO times, "all" for every
// environment), each with the zod schema that is the tool's declared output.
import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { z } from "zod";
import type { AuditEvent } from "../gen/tessera/identity/v1/audit_pb.ts";
import type { Principal, RoleBinding } from "../gen/tessera/identity/v1/common_pb.ts";
import type { Environment } from "../gen/tessera/identity/v1/environment_pb.ts";
import type { TrustPolicy } from "../gen/tessera/identity/v1/federation_pb.ts";
import type { AccountFinding, GetHygieneReportResponse, TokenFinding } from "../gen/tessera/identity/v1/hygiene_pb.ts";
import type { Webhook, WebhookDelivery } from "../gen/tessera/identity/v1/webhook_pb.ts";
import type { Organization } from "../gen/tessera/identity/v1/organization_pb.ts";
import type { Role } from "../gen/tessera/identity/v1/role_pb.ts";
import type { ServiceAccount } from "../gen/tessera/identity/v1/service_account_pb.ts";
import type { Token } from "../gen/tessera/identity/v1/token_pb.ts";
import type { Identity } from "../gen/tessera/identity/v1/verify_pb.ts";
import { claimConditionFields } from "../client/claim-conditions.ts";
import { environmentScope, roleBinding } from "../client/role-bindings.ts";
import { accountStatusName, accountStatusNames, deliveryStatusName, deliveryStatusNames, tokenStateName, tokenStateNames } from "../client/states.ts";

const time = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : null);
const principalName = (p: Principal | undefined) => (p ? { id: p.accountId, name: p.accountName } : null);

export const environmentsSchema = z
  .union([z.literal("all"), z.array(z.string())])
  .describe('"all", or the environments the grant is limited to');
const principalSchema = z.object({ id: z.string(), name: z.string() }).nullable();

export const roleBindingSchema = z.object({ role: z.string(), environments: environmentsSchema });
const bindingView = (b: RoleBinding) => ({ role: b.role, environments: environmentScope(b) });

export const serviceAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  status: z.enum(accountStatusNames),
  roleBindings: z.array(roleBindingSchema),
  managerAccountIds: z.array(z.string()),
  managerRoles: z.array(z.string()),
  createdBy: principalSchema,
  createTime: z.string().nullable(),
  lastUsedTime: z.string().nullable(),
  activeTokenCount: z.number(),
  etag: z.string(),
});

export function serviceAccountView(a: ServiceAccount): z.infer<typeof serviceAccountSchema> {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    owner: a.owner,
    status: accountStatusName(a.status),
    roleBindings: a.roleBindings.map(bindingView),
    managerAccountIds: a.managerAccountIds,
    managerRoles: a.managerRoles,
    createdBy: principalName(a.createdBy),
    createTime: time(a.createTime),
    lastUsedTime: time(a.lastUsedTime),
    activeTokenCount: a.activeTokenCount,
    etag: a.etag,
  };
}

export const tokenSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  label: z.string(),
  hint: z.string().describe("last four characters of the token"),
  state: z.enum(tokenStateNames),
  permissions: z.array(z.string()).describe("empty: all of the account's"),
  environments: z.array(z.string()).describe("empty: all of the account's"),
  audiences: z.array(z.string()).describe("empty: any service"),
  createdBy: principalSchema,
  createTime: z.string().nullable(),
  expireTime: z.string().nullable(),
  revokeTime: z.string().nullable(),
  revokeReason: z.string(),
  lastUsedTime: z.string().nullable(),
  rotatedFromTokenId: z.string(),
  rotatedToTokenId: z.string(),
  hourlyUsage: z.array(z.object({ hour: z.string().nullable(), count: z.number() })).describe("uses per hour, last 24 hours"),
});

export function tokenView(t: Token): z.infer<typeof tokenSchema> {
  return {
    id: t.id,
    accountId: t.accountId,
    label: t.label,
    hint: t.hint,
    state: tokenStateName(t.state) ?? "active",
    permissions: t.permissions,
    environments: t.environments,
    audiences: t.audiences,
    createdBy: principalName(t.createdBy),
    createTime: time(t.createTime),
    expireTime: time(t.expireTime),
    revokeTime: time(t.revokeTime),
    revokeReason: t.revokeReason,
    lastUsedTime: time(t.lastUsedTime),
    rotatedFromTokenId: t.rotatedFromTokenId,
    rotatedToTokenId: t.rotatedToTokenId,
    hourlyUsage: t.hourlyUsage.map((u) => ({ hour: time(u.hour), count: Number(u.count) })),
  };
}

export const identitySchema = z.object({
  org: z.string(),
  account: principalSchema,
  tokenId: z.string(),
  roles: z.array(z.string()),
  grants: z.array(z.object({ permission: z.string(), environments: environmentsSchema })),
  expireTime: z.string().nullable(),
  audiences: z.array(z.string()),
});

export function identityView(i: Identity): z.infer<typeof identitySchema> {
  return {
    org: i.principal?.org ?? "",
    account: principalName(i.principal),
    tokenId: i.tokenId,
    roles: i.roles,
    grants: i.grants.map((g) => ({ permission: g.permission, environments: environmentScope(g) })),
    expireTime: time(i.expireTime),
    audiences: i.audiences,
  };
}

export const roleSchema = z.object({ name: z.string(), description: z.string(), permissions: z.array(z.string()), builtIn: z.boolean() });
export const roleView = (r: Role): z.infer<typeof roleSchema> => ({
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  builtIn: r.builtIn,
});

export const environmentSchema = z.object({ name: z.string(), description: z.string() });
export const environmentView = (e: Environment): z.infer<typeof environmentSchema> => ({ name: e.name, description: e.description });

export const auditEventSchema = z.object({
  time: z.string().nullable(),
  actor: principalSchema,
  delegate: principalSchema,
  channel: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.string(),
  reason: z.string(),
  requestId: z.string(),
});

export const auditEventView = (e: AuditEvent): z.infer<typeof auditEventSchema> => ({
  time: time(e.time),
  actor: principalName(e.actor),
  delegate: principalName(e.delegate),
  channel: e.channel,
  action: e.action,
  target: e.target,
  outcome: e.outcome,
  reason: e.reason,
  requestId: e.requestId,
});

/** Converts a tool's "all" | [names] into the API's role binding. */
export function toBinding(b: z.infer<typeof roleBindingSchema>) {
  return roleBinding(b.role, b.environments);
}

export const pageInput = {
  pageSize: z.number().int().min(1).max(1000).optional().describe("how many to return (default 50)"),
  pageToken: z.string().optional().describe("nextPageToken of the previous call, to continue"),
};

export const organizationSchema = z.object({
  name: z.string(),
  tokenPolicy: z.object({
    maxTokenTtlSeconds: z.number().nullable().describe("longest lifetime a token may be given; null: no limit"),
    defaultTokenTtlSeconds: z
      .number()
      .nullable()
      .describe("lifetime of tokens created without ttlSeconds; null: they never expire (unless maxTokenTtlSeconds applies)"),
    revokeUnusedAfterSeconds: z.number().nullable().describe("tokens unused this long are revoked; null: never"),
  }),
  createTime: z.string().nullable(),
});

const seconds = (d: Duration | undefined) => (d ? Number(d.seconds) : null);

export const organizationView = (o: Organization): z.infer<typeof organizationSchema> => ({
  name: o.name,
  tokenPolicy: {
    maxTokenTtlSeconds: seconds(o.tokenPolicy?.maxTokenTtl),
    defaultTokenTtlSeconds: seconds(o.tokenPolicy?.defaultTokenTtl),
    revokeUnusedAfterSeconds: seconds(o.tokenPolicy?.revokeUnusedAfter),
  },
  createTime: time(o.createTime),
});

/** An account as a confirmation names it: name, id and what hangs on it. */
export function describeAccount(a: ServiceAccount): string {
  const tokens = a.activeTokenCount === 1 ? "1 active token" : `${a.activeTokenCount} active tokens`;
  return `the service account "${a.name}" (${a.id}${a.owner ? `, owner ${a.owner}` : ""}, ${tokens})`;
}

/** A token as a confirmation names it: label, id, the last characters of its secret, its state and account. */
export function describeToken(t: Token): string {
  const state = tokenStateName(t.state) ?? "active";
  return `the ${state} token "${t.label}" (${t.id}, ending in …${t.hint}) of service account ${t.accountId}`;
}

export const claimConditionSchema = z
  .object({ claim: z.string(), equals: z.string().optional(), pattern: z.string().optional() })
  .describe('one of equals or pattern ("*" for any run of characters)');

export const trustPolicySchema = z.object({
  name: z.string(),
  description: z.string(),
  issuer: z.string(),
  audiences: z.array(z.string()),
  conditions: z.array(claimConditionSchema),
  serviceAccountId: z.string(),
  permissions: z.array(z.string()),
  environments: z.array(z.string()),
  tokenAudiences: z.array(z.string()),
  maxTtlSeconds: z.number().nullable(),
  createTime: z.string().nullable(),
});

export const trustPolicyView = (p: TrustPolicy): z.infer<typeof trustPolicySchema> => ({
  name: p.name,
  description: p.description,
  issuer: p.issuer,
  audiences: p.audiences,
  conditions: p.conditions.map(claimConditionFields),
  serviceAccountId: p.serviceAccountId,
  permissions: p.permissions,
  environments: p.environments,
  tokenAudiences: p.tokenAudiences,
  maxTtlSeconds: seconds(p.maxTtl),
  createTime: time(p.createTime),
});

const tokenFindingSchema = z.object({
  tokenId: z.string(),
  accountName: z.string(),
  label: z.string(),
  lastUsedTime: z.string().nullable(),
  expireTime: z.string().nullable(),
});
const accountFindingSchema = z.object({ accountId: z.string(), name: z.string(), lastUsedTime: z.string().nullable(), roles: z.array(z.string()) });

export const hygieneSchema = {
  unusedDays: z.number(),
  expiringDays: z.number(),
  tokensWithoutExpiry: z.array(tokenFindingSchema),
  unusedTokens: z.array(tokenFindingSchema),
  expiringTokens: z.array(tokenFindingSchema),
  idleAccounts: z.array(accountFindingSchema),
  adminAccounts: z.array(accountFindingSchema),
  unexercisedRoles: z.array(z.object({ role: z.string(), accountCount: z.number() })),
  truncated: z.boolean(),
};

const tokenFindingView = (t: TokenFinding) => ({
  tokenId: t.tokenId,
  accountName: t.accountName,
  label: t.label,
  lastUsedTime: time(t.lastUsedTime),
  expireTime: time(t.expireTime),
});
const accountFindingView = (a: AccountFinding) => ({ accountId: a.accountId, name: a.name, lastUsedTime: time(a.lastUsedTime), roles: a.roles });

export const hygieneView = (r: GetHygieneReportResponse) => ({
  unusedDays: r.unusedDays,
  expiringDays: r.expiringDays,
  tokensWithoutExpiry: r.tokensWithoutExpiry.map(tokenFindingView),
  unusedTokens: r.unusedTokens.map(tokenFindingView),
  expiringTokens: r.expiringTokens.map(tokenFindingView),
  idleAccounts: r.idleAccounts.map(accountFindingView),
  adminAccounts: r.adminAccounts.map(accountFindingView),
  unexercisedRoles: r.unexercisedRoles.map((x) => ({ role: x.role, accountCount: x.accountCount })),
  truncated: r.truncated,
});

export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  unusedDays: z.number(),
  createTime: z.string().nullable(),
});

export const webhookView = (w: Webhook): z.infer<typeof webhookSchema> => ({
  id: w.id,
  url: w.url,
  description: w.description,
  events: w.events,
  unusedDays: w.unusedDays,
  createTime: time(w.createTime),
});

export const deliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  event: z.string(),
  subject: z.string(),
  status: z.enum(deliveryStatusNames).nullable(),
  attempts: z.number(),
  lastStatusCode: z.number(),
  lastError: z.string(),
  createTime: z.string().nullable(),
  lastAttemptTime: z.string().nullable(),
  nextAttemptTime: z.string().nullable(),
});

export const deliveryView = (d: WebhookDelivery): z.infer<typeof deliverySchema> => ({
  id: d.id,
  webhookId: d.webhookId,
  event: d.event,
  subject: d.subject,
  status: deliveryStatusName(d.status) ?? null,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createTime: time(d.createTime),
  lastAttemptTime: time(d.lastAttemptTime),
  nextAttemptTime: time(d.nextAttemptTime),
});
