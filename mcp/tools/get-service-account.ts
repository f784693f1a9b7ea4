import { z } from "zod";
import { defineTool } from "../tool.ts";
import { serviceAccountSchema, serviceAccountView } from "../views.ts";

export default defineTool({
  name: "get_service_account",
  title: "Get a service account",
  description:
    'Shows one service account: roles and environments, managers, owner, status, last use and active token count. Example: { id: "sa_65f0…" }',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: { id: z.string().describe('the account id, "sa_" followed by 24 hex digits') },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler({ id }, { identity }) {
    const { serviceAccount } = await identity.accounts.getServiceAccount({ id });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
