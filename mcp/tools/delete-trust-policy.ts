import { z } from "zod";
import { defineTool } from "../tool.ts";

export default defineTool({
  name: "delete_trust_policy",
  title: "Stop trusting a CI platform's tokens",
  description: [
    "Deletes a trust policy: CI jobs can no longer exchange their OIDC tokens under it (tokens already exchanged",
    "live out their short lifetime). Asks for the user's confirmation first: the first call only returns a",
    "confirmation code. Needs org.write. Example: { name: \"github-deploy\" }, then { name: \"github-deploy\",",
    "confirmation: \"<code>\" }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["org.write"],
  confirm: {
    async describe({ name }, { identity }) {
      const { policy } = await identity.federation.getTrustPolicy({ name });
      return `This deletes the trust policy "${name}": jobs whose tokens come from ${policy!.issuer} can no longer log in as ${policy!.serviceAccountId} through it.`;
    },
  },
  inputSchema: { name: z.string() },
  outputSchema: { deleted: z.string() },
  async handler({ name }, { identity }) {
    await identity.federation.deleteTrustPolicy({ name });
    return { deleted: name };
  },
});
