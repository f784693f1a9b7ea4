// Stored documents → API messages. Internal ids are bare hex; the API prefixes them with their type.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AuditEventSchema } from "../../../../gen/tessera/identity/v1/audit_pb.ts";
import type { EnvironmentSchema } from "../../../../gen/tessera/identity/v1/environment_pb.ts";
import type { TrustPolicySchema } from "../../../../gen/tessera/identity/v1/federation_pb.ts";
import type { OrganizationSchema } from "../../../../gen/tessera/identity/v1/organization_pb.ts";
import type { RoleSchema } from "../../../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountStatus, type ServiceAccountSchema } from "../../../../gen/tessera/identity/v1/service_account_pb.ts";
import type { TokenSchema } from "../../../../gen/tessera/identity/v1/token_pb.ts";
import type { IdentitySchema } from "../../../../gen/tessera/identity/v1/verify_pb.ts";
import type { WebhookDeliverySchema, WebhookSchema } from "../../../../gen/tessera/identity/v1/webhook_pb.ts";
import { claimConditionMessage } from "../../../../client/claim-conditions.ts";
import { apiAccountId, apiDeliveryId, apiTokenId, apiWebhookId } from "../../../../client/ids.ts";
import { deliveryStatusByName, tokenStateByName } from "../../../../client/states.ts";
import type { Caller } from "../../policy/access.ts";
import { reach, type Grants, type RoleDefinition } from "../../domain/permissions.ts";
import { tokenState } from "../../domain/token-state.ts";
import type { UsageDoc } from "../../store/usage-repository.ts";
import type { DeliveryDoc } from "../../store/delivery-repository.ts";
import type { WebhookDoc } from "../../store/webhook-repository.ts";
import type { AccountDoc, AuditDoc, EnvironmentDoc, OrganizationDoc, PrincipalDoc, RoleDoc, TokenDoc, TrustPolicyDoc } from "../../store/documents.ts";

export const optionalTimestamp = (date: Date | null | undefined) => (date ? timestampFromDate(date) : undefined);

export function principal(org: string, doc: PrincipalDoc | null) {
  if (!doc) return undefined;
  return { org, accountId: apiAccountId(doc.accountId), accountName: doc.accountName, tokenId: doc.tokenId ? apiTokenId(doc.tokenId) : "" };
}

export function accountMessage(doc: AccountDoc, activeTokenCount: number): MessageInitShape<typeof ServiceAccountSchema> {
  return {
    id: apiAccountId(doc._id.toHexString()),
    org: doc.org,
    name: doc.name,
    displayName: doc.displayName ?? "",
    description: doc.description,
    owner: doc.owner,
    status: doc.status === "disabled" ? ServiceAccountStatus.DISABLED : ServiceAccountStatus.ACTIVE,
    roleBindings: doc.roleBindings,
    managerAccountIds: doc.managerAccountIds.map(apiAccountId),
    managerRoles: doc.managerRoles,
    createdBy: principal(doc.org, doc.createdBy),
    createTime: timestampFromDate(doc.createTime),
    updateTime: timestampFromDate(doc.updateTime),
    lastUsedTime: optionalTimestamp(doc.lastUsedTime),
    activeTokenCount,
    etag: String(doc.version),
  };
}

export function tokenMessage(doc: TokenDoc, now: Date, usage: readonly UsageDoc[] = []): MessageInitShape<typeof TokenSchema> {
  return {
    id: apiTokenId(doc._id),
    accountId: apiAccountId(doc.accountId.toHexString()),
    label: doc.label,
    hint: doc.hint,
    state: tokenStateByName[tokenState(doc, now)],
    permissions: doc.permissions,
    environments: doc.environments,
    audiences: doc.audiences,
    createdBy: principal(doc.org, doc.createdBy),
    createTime: timestampFromDate(doc.createTime),
    expireTime: optionalTimestamp(doc.expireTime),
    revokeTime: optionalTimestamp(doc.revokeTime),
    revokeReason: doc.revokeReason,
    lastUsedTime: optionalTimestamp(doc.lastUsedTime),
    rotatedFromTokenId: doc.rotatedFrom ? apiTokenId(doc.rotatedFrom) : "",
    rotatedToTokenId: doc.rotatedTo ? apiTokenId(doc.rotatedTo) : "",
    hourlyUsage: usage.map((u) => ({ hour: timestampFromDate(u.hour), count: BigInt(u.count) })),
  };
}

export function builtInRoleMessage(role: RoleDefinition): MessageInitShape<typeof RoleSchema> {
  return { name: role.name, description: role.description, permissions: role.permissions, builtIn: true };
}

export function roleMessage(doc: RoleDoc): MessageInitShape<typeof RoleSchema> {
  return {
    name: doc.name,
    description: doc.description,
    permissions: doc.permissions,
    builtIn: false,
    createTime: timestampFromDate(doc.createTime),
    updateTime: timestampFromDate(doc.updateTime),
  };
}

export function environmentMessage(doc: EnvironmentDoc): MessageInitShape<typeof EnvironmentSchema> {
  return { name: doc.name, description: doc.description, createTime: timestampFromDate(doc.createTime) };
}

export function auditMessage(doc: AuditDoc): MessageInitShape<typeof AuditEventSchema> {
  return {
    id: doc._id.toHexString(),
    time: timestampFromDate(doc.time),
    org: doc.org,
    actor: principal(doc.org, doc.actor),
    delegate: principal(doc.org, doc.delegate),
    channel: doc.channel,
    action: doc.action,
    target: doc.target,
    outcome: doc.outcome,
    reason: doc.reason,
    requestId: doc.requestId,
    clientRequestId: doc.clientRequestId ?? "",
    detail: doc.detail ?? "",
    peer: doc.peer,
    targetVersion: BigInt(doc.targetVersion),
  };
}

function durationOf(ms: number | null) {
  return ms === null ? undefined : { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

export function organizationMessage(doc: OrganizationDoc): MessageInitShape<typeof OrganizationSchema> {
  return {
    name: doc._id,
    tokenPolicy: {
      maxTokenTtl: durationOf(doc.tokenPolicy.maxTtlMs),
      defaultTokenTtl: durationOf(doc.tokenPolicy.defaultTtlMs),
      revokeUnusedAfter: durationOf(doc.tokenPolicy.revokeUnusedAfterMs ?? null),
    },
    createTime: timestampFromDate(doc.createTime),
  };
}

function grantMessages(grants: Grants) {
  return [...grants]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([permission, scope]) => ({
      permission,
      allEnvironments: scope.all,
      environments: scope.all ? [] : [...scope.environments].sort(),
    }));
}

export function identityMessage(caller: Caller): MessageInitShape<typeof IdentitySchema> {
  const scope = reach(caller.grants);
  return {
    principal: principal(caller.org, { accountId: caller.accountId, accountName: caller.accountName, tokenId: caller.tokenId }),
    tokenId: apiTokenId(caller.tokenId),
    roles: [...caller.roles],
    grants: grantMessages(caller.grants),
    permissions: [...caller.grants.keys()].sort(),
    environments: scope.all ? [] : [...scope.environments].sort(),
    allEnvironments: scope.all,
    audiences: [...caller.audiences],
    expireTime: optionalTimestamp(caller.tokenExpireTime),
  };
}

export function trustPolicyMessage(doc: TrustPolicyDoc): MessageInitShape<typeof TrustPolicySchema> {
  return {
    name: doc.name,
    description: doc.description,
    issuer: doc.issuer,
    audiences: doc.audiences,
    conditions: doc.conditions.map(claimConditionMessage),
    serviceAccountId: apiAccountId(doc.accountId),
    permissions: doc.permissions,
    environments: doc.environments,
    tokenAudiences: doc.tokenAudiences,
    maxTtl: durationOf(doc.maxTtlMs),
    createTime: timestampFromDate(doc.createTime),
    createdBy: principal(doc.org, doc.createdBy),
  };
}

export function webhookMessage(doc: WebhookDoc): MessageInitShape<typeof WebhookSchema> {
  return {
    id: apiWebhookId(doc._id),
    url: doc.url,
    description: doc.description,
    events: doc.events,
    unusedDays: doc.unusedDays,
    createTime: timestampFromDate(doc.createTime),
    createdBy: principal(doc.org, doc.createdBy),
  };
}

export function deliveryMessage(doc: DeliveryDoc): MessageInitShape<typeof WebhookDeliverySchema> {
  return {
    id: apiDeliveryId(doc._id),
    webhookId: apiWebhookId(doc.webhookId),
    event: doc.event,
    subject: doc.subject,
    status: deliveryStatusByName[doc.status],
    attempts: doc.attempts,
    lastStatusCode: doc.lastStatusCode,
    lastError: doc.lastError,
    createTime: timestampFromDate(doc.createTime),
    lastAttemptTime: optionalTimestamp(doc.lastAttemptTime),
    nextAttemptTime: doc.status === "pending" ? timestampFromDate(doc.nextAttemptTime) : undefined,
  };
}
