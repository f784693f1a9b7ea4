import { z } from "zod";
import { defineTool } from "../tool.ts";
import { identitySchema, identityView } from "../views.ts";

export default defineTool({
  name: "verify_token",
  title: "Verify a token",
  description: [
    "Checks a token someone presented: whose it is, its roles and permissions, and optionally whether it",
    "grants a permission in an environment for an audience. Needs tokens.verify. The answer says valid",
    "true or false; when false, reason says why (malformed, unknown, expired, revoked, account_disabled,",
    "audience_mismatch, permission_denied, environment_denied).",
    "Example: { token: \"tsr_…\", permission: \"deploy:write\", environment: \"production\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["tokens.verify"],
  inputSchema: {
    token: z.string(),
    audience: z.string().optional(),
    permission: z.string().optional(),
    environment: z.string().optional(),
  },
  outputSchema: {
    valid: z.boolean(),
    reason: z.string().describe("why the token is not valid; empty when it is"),
    message: z.string(),
    identity: identitySchema.optional(),
  },
  async handler(input, { identity }) {
    const response = await identity.verify.verify(input);
    if (!response.valid) return { valid: false, reason: response.reason, message: response.message };
    return { valid: true, reason: "", message: "", identity: identityView(response.identity!) };
  },
});
