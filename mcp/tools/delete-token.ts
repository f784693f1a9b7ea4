import { z } from "zod";
import { defineTool } from "../tool.ts";
import { describeToken } from "../views.ts";

export default defineTool({
  name: "delete_token",
  title: "Delete a token",
  description: [
    "Removes a revoked or expired token for good (an active token must be revoked first). Asks for the",
    "user's confirmation first: the first call only returns a confirmation code. Example: { id: \"tok_…\" },",
    "then { id: \"tok_…\", confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["tokens.write"],
  confirm: {
    async describe({ id }, { identity }) {
      const { token } = await identity.tokens.getToken({ id });
      return `This deletes ${describeToken(token!)} for good, with its history; it cannot be undone.`;
    },
  },
  inputSchema: { id: z.string() },
  outputSchema: { deleted: z.string() },
  async handler({ id }, { identity }) {
    await identity.tokens.deleteToken({ id });
    return { deleted: id };
  },
});
