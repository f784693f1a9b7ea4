import { z } from "zod";
import { defineTool } from "../tool.ts";
import { environmentSchema, environmentView, pageInput } from "../views.ts";

export default defineTool({
  name: "list_environments",
  title: "List environments",
  description: "Lists the environments (e.g. production, staging) role bindings and tokens can be limited to. Example: {}",
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: [],
  inputSchema: { ...pageInput },
  outputSchema: { environments: z.array(environmentSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.environments.listEnvironments(input);
    return { environments: response.environments.map(environmentView), nextPageToken: response.nextPageToken };
  },
});
