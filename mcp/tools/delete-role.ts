import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_role",
  title: "Delete a custom role",
  description: [
    "Deletes a custom role. Refused while any service account is bound to it: rebind those first",
    "(list_service_accounts { role }). Built-in roles cannot be deleted. Asks for the user's confirmation",
    "first: the first call only returns a confirmation code. Needs roles.write. Example: { name: \"deployer\" },",
    "then { name: \"deployer\", confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["roles.write"],
  confirm: {
    async describe({ name }) {
      return `This deletes the custom role "${name}" and its list of permissions for good.`;
    },
  },
  inputSchema: { name: z.string() },
  outputSchema: { deleted: z.string() },
  async handler({ name }, { identity }) {
    await identity.roles.deleteRole({ name });
    return { deleted: name };
  },
});
