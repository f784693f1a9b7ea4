import { z } from "zod";
import { defineTool } from "../tool.ts";
import { pageInput, roleSchema, roleView } from "../views.ts";

export default defineTool({
  name: "list_roles",
  title: "List roles",
  description:
    "Lists built-in and custom roles with their permissions, to choose least-privilege role bindings. Example: {}",
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: [],
  inputSchema: { ...pageInput },
  outputSchema: { roles: z.array(roleSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.roles.listRoles(input);
    return { roles: response.roles.map(roleView), nextPageToken: response.nextPageToken };
  },
});
