import { z } from "zod";
import { deliveryStatusByName, deliveryStatusNames } from "../../client/states.ts";
import { defineTool } from "../tool.ts";
import { deliverySchema, deliveryView, pageInput } from "../views.ts";

export default defineTool({
  name: "list_webhook_deliveries",
  title: "List webhook deliveries",
  description: [
    "Lists webhook deliveries, newest first, with their status (pending, delivered, failed), attempts, the last",
    "HTTP status or error and when the next attempt is due: use it to tell whether a receiver gets its events.",
    "Needs audit.read. Example: { webhookId: \"wh_…\", status: \"failed\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["audit.read"],
  inputSchema: {
    webhookId: z.string().optional().describe("only this webhook's deliveries"),
    status: z.enum(deliveryStatusNames).optional(),
    ...pageInput,
  },
  outputSchema: { deliveries: z.array(deliverySchema), nextPageToken: z.string() },
  async handler({ status, ...input }, { identity }) {
    const response = await identity.webhooks.listWebhookDeliveries({ ...input, status: status && deliveryStatusByName[status] });
    return { deliveries: response.deliveries.map(deliveryView), nextPageToken: response.nextPageToken };
  },
});
