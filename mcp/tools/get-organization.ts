import { defineTool } from "../tool.ts";
import { organizationSchema, organizationView } from "../views.ts";

export default defineTool({
  name: "get_organization",
  title: "Get the organisation",
  description: [
    "Shows your organisation and its token policy: the longest lifetime a token may have and the lifetime",
    "of tokens created without one. Use it before create_token to choose a ttlSeconds the policy allows.",
    "Example: {} → { name: \"acme\", tokenPolicy: { maxTokenTtlSeconds: 7776000, defaultTokenTtlSeconds: null } }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: [],
  inputSchema: {},
  outputSchema: { organization: organizationSchema },
  async handler(_input, { identity }) {
    const { organization } = await identity.organization.getOrganization({});
    return { organization: organizationView(organization!) };
  },
});
