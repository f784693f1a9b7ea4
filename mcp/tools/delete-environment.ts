import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_environment",
  title: "Delete an environment",
  description: [
    "Deletes an environment. Refused while any role binding or active token refers to it: change those",
    "first. Asks for the user's confirmation first: the first call only returns a confirmation code. Needs",
    "environments.write. Example: { name: \"qa\" }, then { name: \"qa\", confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["environments.write"],
  confirm: {
    async describe({ name }) {
      return `This deletes the environment "${name}" for good.`;
    },
  },
  inputSchema: { name: z.string() },
  outputSchema: { deleted: z.string() },
  async handler({ name }, { identity }) {
    await identity.environments.deleteEnvironment({ name });
    return { deleted: name };
  },
});
