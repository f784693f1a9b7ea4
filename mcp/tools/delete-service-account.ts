import { z } from "zod";
import { defineTool } from "../tool.ts";
import { describeAccount } from "../views.ts";

export default defineTool({
  name: "delete_service_account",
  title: "Delete a service account",
  description: [
    "Deletes a service account for good and revokes all its tokens; it cannot be undone. Prefer",
    "disable_service_account when unsure. Asks for the user's confirmation first: the first call only",
    "returns a confirmation code. Returns how many tokens were revoked. Example: { id: \"sa_…\" }, then",
    "{ id: \"sa_…\", confirmation: \"<code the user confirmed>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["accounts.write"],
  confirm: {
    async describe({ id }, { identity }) {
      const { serviceAccount } = await identity.accounts.getServiceAccount({ id });
      return `This deletes ${describeAccount(serviceAccount!)} for good and revokes all its tokens; it cannot be undone.`;
    },
  },
  inputSchema: { id: z.string() },
  outputSchema: { deleted: z.string(), revokedTokenCount: z.number() },
  async handler({ id }, { identity }) {
    const { revokedTokenCount } = await identity.accounts.deleteServiceAccount({ id });
    return { deleted: id, revokedTokenCount };
  },
});
