import { z } from "zod";
import { defineTool } from "../tool.ts";
import { tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "revoke_token",
  title: "Revoke a token",
  description: [
    "Stops a token at once, everywhere. restore_token can bring it back while it has not expired;",
    "delete_token then removes it. Give a reason for the audit trail. Example: { id: \"tok_…\", reason: \"leaked in CI log\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  inputSchema: { id: z.string(), reason: z.string().optional() },
  outputSchema: { token: tokenSchema },
  async handler({ id, reason }, { identity }) {
    const { token } = await identity.tokens.revokeToken({ id, reason });
    return { token: tokenView(token!) };
  },
});
