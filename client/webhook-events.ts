// The lifecycle events a webhook may subscribe to: what CreateWebhook accepts, what deliveries say.

export const webhookEvents = [
  "token.expiring",
  "token.expired",
  "token.revoked",
  "token.leaked",
  "token.rotated",
  "account.disabled",
  "account.deleted",
  "token.unused",
] as const;
export type WebhookEvent = (typeof webhookEvents)[number];
