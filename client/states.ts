// Token states and account statuses by name, as the CLI's flags, the MCP tools and the service's
// own documents spell them; the API carries them as enums.
import { ServiceAccountStatus } from "../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenState } from "../gen/tessera/identity/v1/token_pb.ts";
import { WebhookDeliveryStatus } from "../gen/tessera/identity/v1/webhook_pb.ts";

export const tokenStateNames = ["active", "expired", "revoked"] as const;
export type TokenStateName = (typeof tokenStateNames)[number];

export const tokenStateByName: Readonly<Record<TokenStateName, TokenState>> = {
  active: TokenState.ACTIVE,
  expired: TokenState.EXPIRED,
  revoked: TokenState.REVOKED,
};

/** The state a name stands for; undefined for anything else (a flag's typo, "toString"). */
export function parseTokenState(name: string): TokenState | undefined {
  return Object.hasOwn(tokenStateByName, name) ? tokenStateByName[name as TokenStateName] : undefined;
}

/** A state's name; undefined for TOKEN_STATE_UNSPECIFIED. */
export function tokenStateName(state: TokenState): TokenStateName | undefined {
  return tokenStateNames.find((name) => tokenStateByName[name] === state);
}

export const accountStatusNames = ["active", "disabled"] as const;
export type AccountStatusName = (typeof accountStatusNames)[number];

export const accountStatusByName: Readonly<Record<AccountStatusName, ServiceAccountStatus>> = {
  active: ServiceAccountStatus.ACTIVE,
  disabled: ServiceAccountStatus.DISABLED,
};

/** The status a name stands for; undefined for anything else. */
export function parseAccountStatus(name: string): ServiceAccountStatus | undefined {
  return Object.hasOwn(accountStatusByName, name) ? accountStatusByName[name as AccountStatusName] : undefined;
}

/** "disabled" or "active": an account is active unless it says otherwise. */
export function accountStatusName(status: ServiceAccountStatus): AccountStatusName {
  return status === ServiceAccountStatus.DISABLED ? "disabled" : "active";
}

export const deliveryStatusNames = ["pending", "delivered", "failed"] as const;
export type DeliveryStatusName = (typeof deliveryStatusNames)[number];

export const deliveryStatusByName: Readonly<Record<DeliveryStatusName, WebhookDeliveryStatus>> = {
  pending: WebhookDeliveryStatus.PENDING,
  delivered: WebhookDeliveryStatus.DELIVERED,
  failed: WebhookDeliveryStatus.FAILED,
};

/** The webhook delivery status a name stands for; undefined for anything else. */
export function parseDeliveryStatus(name: string): WebhookDeliveryStatus | undefined {
  return Object.hasOwn(deliveryStatusByName, name) ? deliveryStatusByName[name as DeliveryStatusName] : undefined;
}

/** A delivery status's name; undefined for WEBHOOK_DELIVERY_STATUS_UNSPECIFIED (and unknown values). */
export function deliveryStatusName(status: WebhookDeliveryStatus): DeliveryStatusName | undefined {
  return deliveryStatusNames.find((name) => deliveryStatusByName[name] === status);
}
