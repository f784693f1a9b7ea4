import { z } from "zod";
import { accountStatusByName, accountStatusNames } from "../../client/states.ts";
import { defineTool } from "../tool.ts";
import { pageInput, serviceAccountSchema, serviceAccountView } from "../views.ts";

export default defineTool({
  name: "list_service_accounts",
  title: "List service accounts",
  description: [
    "Lists the organisation's service accounts (machine identities) with their roles, owner, status,",
    "last use and number of active tokens. Filter by status, role or name prefix; page with pageToken.",
    "Use it to find an account's id or to review access. Example: { role: \"admin\", status: \"active\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: {
    status: z.enum(accountStatusNames).optional(),
    role: z.string().optional().describe("only accounts bound to this role"),
    namePrefix: z.string().optional(),
    ...pageInput,
  },
  outputSchema: { serviceAccounts: z.array(serviceAccountSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.accounts.listServiceAccounts({
      status: input.status ? accountStatusByName[input.status] : undefined,
      role: input.role,
      namePrefix: input.namePrefix,
      pageSize: input.pageSize,
      pageToken: input.pageToken,
    });
    return { serviceAccounts: response.serviceAccounts.map(serviceAccountView), nextPageToken: response.nextPageToken };
  },
});
