import { z } from "zod";
import { defineTool } from "../tool.ts";
import { environmentSchema, environmentView } from "../views.ts";

export default defineTool({
  name: "create_environment",
  title: "Create an environment",
  description: [
    "Adds an environment (e.g. production, staging, a region) that role bindings and tokens can then be",
    "limited to. Needs environments.write. Example: { name: \"staging\", description: \"pre-production\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["environments.write"],
  inputSchema: {
    name: z.string().describe("lowercase letters, digits and dashes, unique"),
    description: z.string().optional(),
  },
  outputSchema: { environment: environmentSchema },
  async handler(input, { identity }) {
    const { environment } = await identity.environments.createEnvironment(input);
    return { environment: environmentView(environment!) };
  },
});
