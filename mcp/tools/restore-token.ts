import { z } from "zod";
import { defineTool } from "../tool.ts";
import { tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "restore_token",
  title: "Restore a revoked token",
  description:
    'Reactivates a revoked token that has not expired and whose account is active; the same secret works again. Example: { id: "tok_…" }',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["tokens.write"],
  inputSchema: { id: z.string() },
  outputSchema: { token: tokenSchema },
  async handler({ id }, { identity }) {
    const { token } = await identity.tokens.restoreToken({ id });
    return { token: tokenView(token!) };
  },
});
