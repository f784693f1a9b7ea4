import { z } from "zod";
import { defineTool } from "../tool.ts";
import { roleSchema, roleView } from "../views.ts";

export default defineTool({
  name: "update_role",
  title: "Update a custom role",
  description: [
    "Changes a custom role's description or permissions; only the fields you pass change, and permissions",
    "replaces the whole list. Every account bound to the role gains or loses access at once, so check who",
    "holds it first (list_service_accounts { role }). Built-in roles cannot be changed. Needs roles.write.",
    "Example: { name: \"deployer\", permissions: [\"deploy:write\"] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["roles.write"],
  inputSchema: {
    name: z.string().describe("the custom role to change"),
    description: z.string().optional(),
    permissions: z.array(z.string()).min(1).optional().describe("the new complete list"),
  },
  outputSchema: { role: roleSchema },
  async handler({ name, description, permissions }, { identity }) {
    const paths = [description !== undefined && "description", permissions !== undefined && "permissions"].filter(
      (p): p is string => Boolean(p),
    );
    const { role } = await identity.roles.updateRole({ role: { name, description, permissions }, updateMask: { paths } });
    return { role: roleView(role!) };
  },
});
