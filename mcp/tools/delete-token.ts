import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_token",
  title: "Delete a token",
  description:
    'Removes a revoked or expired token for good (an active token must be revoked first). Example: { id: "tok_…" }',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  inputSchema: { id: z.string() },
  outputSchema: { deleted: z.string() },
  async handler({ id }, { identity }) {
    await identity.tokens.deleteToken({ id });
    return { deleted: id };
  },
});
