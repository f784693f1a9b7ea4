// Resource ids as the API spells them: the type's prefix, "_", then the 24 hex digits the service
// stores. The prefix tells people and models what an id names, and lets the service refuse an
// account id where a token id belongs.

/** Service account ids: "sa_" followed by 24 hex digits. */
export const accountIdPrefix = "sa";
/** Token ids: "tok_" followed by 24 hex digits. */
export const tokenIdPrefix = "tok";

/** A stored id: its hex string, or anything that renders as one (a MongoDB ObjectId) without the client needing the driver. */
export type StoredId = string | { toHexString(): string };

const hexOf = (id: StoredId) => (typeof id === "string" ? id : id.toHexString());

export const apiAccountId = (id: StoredId) => `${accountIdPrefix}_${hexOf(id)}`;
export const apiTokenId = (id: StoredId) => `${tokenIdPrefix}_${hexOf(id)}`;

/** The stored hex id inside `id` when it is an API id with `prefix`; undefined otherwise. */
export function parseApiId(prefix: string, id: string): string | undefined {
  const match = /^([a-z]+)_([0-9a-f]{24})$/.exec(id);
  return match?.[1] === prefix ? match[2] : undefined;
}

/** Webhook ids: "wh_" followed by 24 hex digits. */
export const webhookIdPrefix = "wh";
/** Webhook delivery ids: "whd_" followed by 24 hex digits. */
export const deliveryIdPrefix = "whd";

export const apiWebhookId = (id: StoredId) => `${webhookIdPrefix}_${hexOf(id)}`;
export const apiDeliveryId = (id: StoredId) => `${deliveryIdPrefix}_${hexOf(id)}`;
