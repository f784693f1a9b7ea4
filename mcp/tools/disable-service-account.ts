import { z } from "zod";
import { defineTool } from "../tool.ts";
import { serviceAccountSchema, serviceAccountView } from "../views.ts";

export default defineTool({
  name: "disable_service_account",
  title: "Disable a service account",
  description: 'Stops every token of the account at once, without deleting anything; enable_service_account brings them back. Use it to contain a suspected leak. Example: { id: "sa_…" }',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  inputSchema: { id: z.string() },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler({ id }, { identity }) {
    const { serviceAccount } = await identity.accounts.disableServiceAccount({ id });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
