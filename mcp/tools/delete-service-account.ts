import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_service_account",
  title: "Delete a service account",
  description: [
    "Deletes a service account for good and revokes all its tokens; it cannot be undone. Prefer",
    "disable_service_account when unsure. Returns how many tokens were revoked. Example: { id: \"sa_…\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  inputSchema: { id: z.string() },
  outputSchema: { deleted: z.string(), revokedTokenCount: z.number() },
  async handler({ id }, { identity }) {
    const { revokedTokenCount } = await identity.accounts.deleteServiceAccount({ id });
    return { deleted: id, revokedTokenCount };
  },
});
