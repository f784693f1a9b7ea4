import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_webhook",
  title: "Delete a lifecycle webhook",
  description: [
    "Deletes a webhook: its URL hears of no further events and its pending deliveries are not sent. Asks for",
    "the user's confirmation first: the first call only returns a confirmation code. Needs org.write. Example:",
    "{ id: \"wh_…\" }, then { id: \"wh_…\", confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["org.write"],
  confirm: {
    async describe({ id }) {
      return `This deletes the webhook ${id}: its URL stops hearing of token and account events, and deliveries still pending are dropped.`;
    },
  },
  inputSchema: { id: z.string().describe("wh_…") },
  outputSchema: { deleted: z.string() },
  async handler({ id }, { identity }) {
    await identity.webhooks.deleteWebhook({ id });
    return { deleted: id };
  },
});
