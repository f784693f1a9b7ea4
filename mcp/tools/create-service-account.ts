import { z } from "zod";
import { defineTool } from "../tool.ts";
import { roleBindingSchema, serviceAccountSchema, serviceAccountView, toBinding } from "../views.ts";

export default defineTool({
  name: "create_service_account",
  title: "Create a service account",
  description: [
    "Creates a service account: a machine identity for a CI job, integration or bot, with roles in all",
    "or some environments. Grant least privilege; you cannot grant access you do not hold. It has no",
    "token yet: call create_token next. Example: { name: \"ci-deployer\", owner: \"platform\",",
    "roleBindings: [{ role: \"developer\", environments: [\"staging\"] }] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["accounts.write"],
  inputSchema: {
    name: z.string().describe("lowercase letters, digits and dashes, 2-63 characters, unique"),
    description: z.string().optional(),
    owner: z.string().optional().describe("the owning team"),
    roleBindings: z.array(roleBindingSchema).optional(),
    managerAccountIds: z.array(z.string()).optional(),
    managerRoles: z.array(z.string()).optional(),
  },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler(input, { identity }) {
    const { serviceAccount } = await identity.accounts.createServiceAccount({
      ...input,
      roleBindings: input.roleBindings?.map(toBinding),
    });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
