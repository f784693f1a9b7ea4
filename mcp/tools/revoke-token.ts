import { z } from "zod";
import { defineTool } from "../tool.ts";
import { describeToken, tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "revoke_token",
  title: "Revoke a token",
  description: [
    "Stops a token at once, everywhere. restore_token can bring it back while it has not expired;",
    "delete_token then removes it. Give a reason for the audit trail. Asks for the user's confirmation",
    "first: the first call only returns a confirmation code. Example: { id: \"tok_…\", reason: \"leaked in CI log\" },",
    "then the same with confirmation: \"<code>\"",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["tokens.revoke"],
  confirm: {
    async describe({ id }, { identity }) {
      const { token } = await identity.tokens.getToken({ id });
      return `This revokes ${describeToken(token!)}: whatever uses it fails from now on, until restore_token.`;
    },
  },
  inputSchema: { id: z.string(), reason: z.string().optional() },
  outputSchema: { token: tokenSchema },
  async handler({ id, reason }, { identity }) {
    const { token } = await identity.tokens.revokeToken({ id, reason });
    return { token: tokenView(token!) };
  },
});
