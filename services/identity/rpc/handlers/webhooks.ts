import type { ServiceImpl } from "@connectrpc/connect";
import { WebhookDeliveryStatus, WebhookService } from "../../../../gen/tessera/identity/v1/webhook_pb.ts";
import { deliveryStatusName } from "../../../../client/states.ts";
import { invalidArgument } from "../../domain/errors.ts";
import * as webhooks from "../../use-cases/webhooks.ts";
import { callOf } from "../context.ts";
import { deliveryMessage, webhookMessage } from "./convert.ts";

export function webhookHandlers(deps: webhooks.WebhookDeps): ServiceImpl<typeof WebhookService> {
  return {
    async createWebhook(req, ctx) {
      const { result } = await webhooks.createWebhook(deps, callOf(ctx), req);
      return { webhook: webhookMessage(result.webhook), secret: result.secret };
    },
    async listWebhooks(req, ctx) {
      const { result } = await webhooks.listWebhooks(deps, callOf(ctx), req);
      return { webhooks: result.webhooks.map(webhookMessage), nextPageToken: result.nextPageToken };
    },
    async deleteWebhook(req, ctx) {
      await webhooks.deleteWebhook(deps, callOf(ctx), req.id);
      return {};
    },
    async listWebhookDeliveries(req, ctx) {
      const status = deliveryStatusName(req.status);
      if (status === undefined && req.status !== WebhookDeliveryStatus.UNSPECIFIED) throw invalidArgument("status", "is not a known delivery status");
      const { result } = await webhooks.listWebhookDeliveries(deps, callOf(ctx), { ...req, status });
      return { deliveries: result.deliveries.map(deliveryMessage), nextPageToken: result.nextPageToken };
    },
  };
}
