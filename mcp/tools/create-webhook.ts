import { z } from "zod";
import { webhookEvents } from "../../client/webhook-events.ts";
import { defineTool } from "../tool.ts";
import { webhookSchema, webhookView } from "../views.ts";

export default defineTool({
  name: "create_webhook",
  title: "Create a lifecycle webhook",
  description: [
    "Subscribes an https URL to token and account lifecycle events, so pipelines hear of a token expiring (7",
    "days and 1 day before), expired, revoked, leaked, rotated or unused for unusedDays (default 30), or an",
    "account disabled or deleted. Deliveries are signed (HMAC-SHA256 with the secret returned once here, in",
    "the Tessera-Signature header; docs/webhooks.md shows how to check it) and retried with backoff. Show the",
    "secret to the user once and tell them to store it. Needs org.write. Example: { url:",
    "\"https://hooks.example.com/tessera\", events: [\"token.expiring\", \"token.leaked\"] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["org.write", "audit.read"],
  inputSchema: {
    url: z.string().describe("https, no credentials"),
    events: z.array(z.enum(webhookEvents)).min(1),
    description: z.string().optional(),
    unusedDays: z.number().int().min(1).max(365).optional().describe("for token.unused; default 30"),
  },
  outputSchema: { webhook: webhookSchema, secret: z.string().describe("the signing secret, shown this once") },
  async handler(input, { identity }) {
    const { webhook, secret } = await identity.webhooks.createWebhook(input);
    return { webhook: webhookView(webhook!), secret };
  },
});
