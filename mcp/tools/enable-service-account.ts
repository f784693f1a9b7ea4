import { z } from "zod";
import { defineTool } from "../tool.ts";
import { serviceAccountSchema, serviceAccountView } from "../views.ts";

export default defineTool({
  name: "enable_service_account",
  title: "Enable a service account",
  description: 'Re-enables a disabled service account; its unexpired, unrevoked tokens work again. Example: { id: "sa_…" }',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.write"],
  inputSchema: { id: z.string() },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler({ id }, { identity }) {
    const { serviceAccount } = await identity.accounts.enableServiceAccount({ id });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
