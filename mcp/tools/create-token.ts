import { z } from "zod";
import { defineTool } from "../tool.ts";
import { tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "create_token",
  title: "Create a token",
  description: [
    "Issues a bearer token for a service account. The secret is returned ONCE, in this result only:",
    "hand it to the user to store in a secret manager; it cannot be read again. Narrow it with",
    "permissions, environments and audiences, and give it a lifetime (ttlSeconds). Example:",
    "{ accountId: \"sa_…\", label: \"github-actions\", ttlSeconds: 7776000, environments: [\"staging\"] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["tokens.write"],
  inputSchema: {
    accountId: z.string(),
    label: z.string().describe("what the token is for, e.g. where it is deployed"),
    ttlSeconds: z.number().int().positive().optional().describe("lifetime; omitted: the organisation's default"),
    permissions: z.array(z.string()).optional().describe("narrower than the account's; omitted: all of them"),
    environments: z.array(z.string()).optional(),
    audiences: z.array(z.string()).optional().describe('services it may be presented to, e.g. ["mcp"]'),
  },
  outputSchema: { token: tokenSchema, secret: z.string().describe("shown once; store it now"), notice: z.string() },
  async handler({ ttlSeconds, ...input }, { identity }) {
    const response = await identity.tokens.createToken({
      ...input,
      ttl: ttlSeconds === undefined ? undefined : { seconds: BigInt(ttlSeconds) },
    });
    return {
      token: tokenView(response.token!),
      secret: response.secret,
      notice: "This is the only time the secret is shown. Store it in a secret manager now.",
    };
  },
});
