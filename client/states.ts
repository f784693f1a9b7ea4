// Token states, account statuses and webhook delivery statuses by name, as the CLI's flags, the MCP
// tools and the service's own documents spell them; the API carries them as enums.
import { ServiceAccountStatus } from "../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenState } from "../gen/tessera/identity/v1/token_pb.ts";
import { WebhookDeliveryStatus } from "../gen/tessera/identity/v1/webhook_pb.ts";

/** An enum's values by name: the value a name stands for (undefined for anything else, "toString" included), and back. */
function byName<N extends string, E>(names: readonly N[], values: Readonly<Record<N, E>>) {
  return {
    parse: (name: string): E | undefined => (Object.hasOwn(values, name) ? values[name as N] : undefined),
    name: (value: E): N | undefined => names.find((name) => values[name] === value),
  };
}

export const tokenStateNames = ["active", "expired", "revoked"] as const;
export type TokenStateName = (typeof tokenStateNames)[number];

export const tokenStateByName: Readonly<Record<TokenStateName, TokenState>> = {
  active: TokenState.ACTIVE,
  expired: TokenState.EXPIRED,
  revoked: TokenState.REVOKED,
};
const tokenStates = byName(tokenStateNames, tokenStateByName);

/** The state a name stands for; undefined for anything else (a flag's typo, "toString"). */
export const parseTokenState = tokenStates.parse;
/** A state's name; undefined for TOKEN_STATE_UNSPECIFIED. */
export const tokenStateName = tokenStates.name;

export const accountStatusNames = ["active", "disabled"] as const;
export type AccountStatusName = (typeof accountStatusNames)[number];

export const accountStatusByName: Readonly<Record<AccountStatusName, ServiceAccountStatus>> = {
  active: ServiceAccountStatus.ACTIVE,
  disabled: ServiceAccountStatus.DISABLED,
};

/** The status a name stands for; undefined for anything else. */
export const parseAccountStatus = byName(accountStatusNames, accountStatusByName).parse;

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
const deliveryStatuses = byName(deliveryStatusNames, deliveryStatusByName);

/** The webhook delivery status a name stands for; undefined for anything else. */
export const parseDeliveryStatus = deliveryStatuses.parse;
/** A delivery status's name; undefined for WEBHOOK_DELIVERY_STATUS_UNSPECIFIED (and unknown values). */
export const deliveryStatusName = deliveryStatuses.name;
