import { z } from "zod";
import { defineTool } from "../tool.ts";
import { roleSchema, roleView } from "../views.ts";

export default defineTool({
  name: "create_role",
  title: "Create a custom role",
  description: [
    "Defines a custom role: a named set of permissions to bind to service accounts, when no built-in role",
    "(list_roles) fits least privilege. Permissions are identity ones (accounts.read, tokens.write, ...) or",
    "your applications' (deploy:write). You cannot define a role with permissions you do not hold in every",
    "environment. Needs roles.write. Example: { name: \"deployer\", description: \"CI deploys\",",
    "permissions: [\"deploy:write\", \"accounts.read\"] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["roles.write"],
  inputSchema: {
    name: z.string().describe("lowercase letters, digits and dashes, unique; not a built-in role's name"),
    description: z.string().optional(),
    permissions: z.array(z.string()).min(1).describe('e.g. ["deploy:write", "accounts.read"]'),
  },
  outputSchema: { role: roleSchema },
  async handler(input, { identity }) {
    const { role } = await identity.roles.createRole(input);
    return { role: roleView(role!) };
  },
});
