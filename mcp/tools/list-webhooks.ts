import { z } from "zod";
import { defineTool } from "../tool.ts";
import { pageInput, webhookSchema, webhookView } from "../views.ts";

export default defineTool({
  name: "list_webhooks",
  title: "List lifecycle webhooks",
  description: [
    "Lists the organisation's webhooks: the URLs told of token and account lifecycle events (expiring,",
    "expired, revoked, leaked, rotated, unused; account disabled or deleted). Their signing secrets are never",
    "shown again. Needs audit.read. Example: {}",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["audit.read"],
  inputSchema: { ...pageInput },
  outputSchema: { webhooks: z.array(webhookSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.webhooks.listWebhooks(input);
    return { webhooks: response.webhooks.map(webhookView), nextPageToken: response.nextPageToken };
  },
});
