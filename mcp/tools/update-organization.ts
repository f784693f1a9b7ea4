import { z } from "zod";
import { defineTool } from "../tool.ts";
import { organizationSchema, organizationView } from "../views.ts";

const ttl = z.number().int().positive().nullable().optional();

export default defineTool({
  name: "update_organization",
  title: "Update the token policy",
  description: [
    "Sets the organisation's token policy: maxTokenTtlSeconds (the longest lifetime a new token may be",
    "given) and defaultTokenTtlSeconds (the lifetime of tokens created without one); null removes a limit,",
    "and only the fields you pass change. Existing tokens keep their expiry. revokeUnusedAfterSeconds",
    "revokes tokens unused that long (at least a day; null: never). Needs org.write. Example:",
    "{ maxTokenTtlSeconds: 7776000, defaultTokenTtlSeconds: 2592000 } (90 and 30 days)",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["org.write"],
  inputSchema: {
    maxTokenTtlSeconds: ttl.describe("longest lifetime of a new token; null: no limit"),
    defaultTokenTtlSeconds: ttl.describe("lifetime of tokens created without one; null: they never expire unless the maximum applies"),
    revokeUnusedAfterSeconds: ttl.describe("revoke tokens unused this long (at least 86400); null: never"),
  },
  outputSchema: { organization: organizationSchema },
  async handler({ maxTokenTtlSeconds, defaultTokenTtlSeconds, revokeUnusedAfterSeconds }, { identity }) {
    const duration = (s: number | null | undefined) => (s == null ? undefined : { seconds: BigInt(s) });
    const paths = [
      maxTokenTtlSeconds !== undefined && "token_policy.max_token_ttl",
      defaultTokenTtlSeconds !== undefined && "token_policy.default_token_ttl",
      revokeUnusedAfterSeconds !== undefined && "token_policy.revoke_unused_after",
    ].filter((p): p is string => Boolean(p));
    const { organization } = await identity.organization.updateOrganization({
      organization: {
        tokenPolicy: {
          maxTokenTtl: duration(maxTokenTtlSeconds),
          defaultTokenTtl: duration(defaultTokenTtlSeconds),
          revokeUnusedAfter: duration(revokeUnusedAfterSeconds),
        },
      },
      updateMask: { paths },
    });
    return { organization: organizationView(organization!) };
  },
});
