import { z } from "zod";
import { defineTool } from "../tool.ts";
import { tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "get_token",
  title: "Get a token",
  description:
    'Shows one token\'s metadata (never its secret): state, expiry, restrictions, last use, rotation lineage. Example: { id: "tok_…" }',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: { id: z.string().describe('the token id, "tok_" followed by 24 hex digits') },
  outputSchema: { token: tokenSchema },
  async handler({ id }, { identity }) {
    const { token } = await identity.tokens.getToken({ id });
    return { token: tokenView(token!) };
  },
});
