// Lifecycle webhooks of an organisation. Managing them needs org.write (a webhook sends the
// organisation's token events elsewhere), creating one audit.read too; reading them and their
// deliveries needs audit.read (they are a view of the trail). The signing secret is derived from the service's master key and the
// webhook's id, returned once at creation and never stored.
import { ObjectId } from "mongodb";
import { apiWebhookId, webhookIdPrefix } from "../../../client/ids.ts";
import { failedPrecondition, invalidArgument, notFound } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import * as valid from "../domain/validation.ts";
import { requirePermission } from "../policy/access.ts";
import type { DeliveryDoc, DeliveryRepository, DeliveryStatus } from "../store/delivery-repository.ts";
import type { WebhookDoc, WebhookRepository } from "../store/webhook-repository.ts";
import { urlProblem, type EndpointPolicy } from "../outbound/guard.ts";
import { webhookEvents, type WebhookEvent } from "../../../client/webhook-events.ts";
import type { WebhookKeys } from "../webhooks/signing.ts";
import { outcome, type Call, type Outcome } from "./effects.ts";

export interface WebhookDeps {
  webhooks: Pick<WebhookRepository, "insertInFreeSlot" | "find" | "list" | "delete">;
  deliveries: Pick<DeliveryRepository, "list">;
  keys: Pick<WebhookKeys, "secretOf">;
  endpoint: EndpointPolicy;
}

export interface CreateWebhookInput {
  url: string;
  description: string;
  events: readonly string[];
  unusedDays: number;
}

export const maxWebhooksPerOrg = 20;
const defaultUnusedDays = 30;

function event(field: string, value: string): WebhookEvent {
  if (!(webhookEvents as readonly string[]).includes(value)) throw invalidArgument(field, `must be one of ${webhookEvents.join(", ")}`);
  return value as WebhookEvent;
}

export async function createWebhook(deps: WebhookDeps, call: Call, input: CreateWebhookInput): Promise<Outcome<{ webhook: WebhookDoc; secret: string }>> {
  const { caller, effects } = call;
  requirePermission(caller, "org.write");
  // A webhook receives the organisation's events as the trail records them: only for who may read it.
  requirePermission(caller, "audit.read");
  const url = valid.text("url", input.url, 2048, true);
  const problem = urlProblem(url, deps.endpoint);
  if (problem) throw invalidArgument("url", problem);
  const events = valid.list("events", input.events, event);
  if (events.length === 0) throw invalidArgument("events", `name at least one of ${webhookEvents.join(", ")}`);
  if (input.unusedDays < 0 || input.unusedDays > 3650) throw invalidArgument("unused_days", "must be between 1 and 3650 (0 means 30)");
  const description = valid.text("description", input.description, 1024);
  const doc = {
    _id: new ObjectId(),
    org: caller.org,
    url,
    description,
    events,
    unusedDays: input.unusedDays || defaultUnusedDays,
    createTime: new Date(),
    createdBy: { accountId: caller.accountId, accountName: caller.accountName, tokenId: caller.tokenId },
  };
  // Derived before the webhook exists: without its key the service could not sign, so it refuses.
  const secret = deps.keys.secretOf(apiWebhookId(doc._id));
  effects.on(apiWebhookId(doc._id));
  const webhook = await deps.webhooks.insertInFreeSlot(doc, effects.commit(), maxWebhooksPerOrg);
  if (!webhook) throw failedPrecondition(`the organisation has ${maxWebhooksPerOrg} webhooks, the most it may have; delete one first`, "too_many_webhooks");
  return outcome(call, { webhook, secret });
}

export async function listWebhooks(
  deps: WebhookDeps,
  call: Call,
  input: { pageSize: number; pageToken: string },
): Promise<Outcome<{ webhooks: WebhookDoc[]; nextPageToken: string }>> {
  requirePermission(call.caller, "audit.read");
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const scope = { list: "webhooks", org: call.caller.org };
  const page = await deps.webhooks.list(call.caller.org, pageSize, decodePageToken(input.pageToken, scope));
  return outcome(call, { webhooks: page.items, nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "" });
}

export async function deleteWebhook(deps: WebhookDeps, call: Call, id: string): Promise<Outcome<void>> {
  const { caller, effects } = call;
  const hex = valid.resourceId("id", id, webhookIdPrefix);
  effects.on(id);
  if (!(await deps.webhooks.find(caller.org, hex))) throw notFound("webhook", id);
  requirePermission(caller, "org.write");
  if (!(await deps.webhooks.delete(caller.org, hex, effects.commit()))) throw notFound("webhook", id);
  return outcome(call, undefined);
}

export async function listWebhookDeliveries(
  deps: WebhookDeps,
  call: Call,
  input: { webhookId: string; status: DeliveryStatus | undefined; pageSize: number; pageToken: string },
): Promise<Outcome<{ deliveries: DeliveryDoc[]; nextPageToken: string }>> {
  requirePermission(call.caller, "audit.read");
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const webhookId = input.webhookId ? valid.resourceId("webhook_id", input.webhookId, webhookIdPrefix) : undefined;
  const scope = { list: "webhook_deliveries", org: call.caller.org, filters: { webhookId, status: input.status } };
  const page = await deps.deliveries.list(
    call.caller.org,
    { webhookId: webhookId ? new ObjectId(webhookId) : undefined, status: input.status },
    pageSize,
    decodePageToken(input.pageToken, scope),
  );
  return outcome(call, { deliveries: page.items, nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "" });
}
