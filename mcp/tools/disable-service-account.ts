import { z } from "zod";
import { defineTool } from "../tool.ts";
import { describeAccount, serviceAccountSchema, serviceAccountView } from "../views.ts";

export default defineTool({
  name: "disable_service_account",
  title: "Disable a service account",
  description: [
    "Stops every token of the account at once, without deleting anything; enable_service_account brings",
    "them back. Use it to contain a suspected leak. Asks for the user's confirmation first: the first call",
    "only returns a confirmation code. Example: { id: \"sa_…\" }, then { id: \"sa_…\", confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.write"],
  confirm: {
    async describe({ id }, { identity }) {
      const { serviceAccount } = await identity.accounts.getServiceAccount({ id });
      return `This disables ${describeAccount(serviceAccount!)}: every one of its tokens stops working at once, until enable_service_account.`;
    },
  },
  inputSchema: { id: z.string() },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler({ id }, { identity }) {
    const { serviceAccount } = await identity.accounts.disableServiceAccount({ id });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
