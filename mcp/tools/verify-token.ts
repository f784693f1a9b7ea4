import { z } from "zod";
import { defineTool } from "../tool.ts";
import { identitySchema, identityView } from "../views.ts";

export default defineTool({
  name: "verify_token",
  title: "Verify a token",
  description: [
    "Checks a token someone presented: whose it is, its roles and permissions, and optionally whether it",
    "grants a permission in an environment for an audience. Needs tokens.verify. Failures say why",
    "(malformed, unknown, expired, revoked, account_disabled, audience_mismatch, permission_denied).",
    "Example: { token: \"tsr_…\", permission: \"deploy:write\", environment: \"production\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  inputSchema: {
    token: z.string(),
    audience: z.string().optional(),
    permission: z.string().optional(),
    environment: z.string().optional(),
  },
  outputSchema: { identity: identitySchema },
  async handler(input, { identity }) {
    const response = await identity.verify.verify(input);
    return { identity: identityView(response.identity!) };
  },
});
