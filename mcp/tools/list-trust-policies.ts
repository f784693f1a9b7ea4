import { z } from "zod";
import { defineTool } from "../tool.ts";
import { pageInput, trustPolicySchema, trustPolicyView } from "../views.ts";

export default defineTool({
  name: "list_trust_policies",
  title: "List trust policies (keyless CI)",
  description: [
    "Lists the trust policies through which CI jobs (GitHub Actions, GitLab CI, Kubernetes) exchange their",
    "platform's OIDC token for a short-lived token of a service account, with no stored secret: the issuer, the",
    "audiences and claim conditions a token must meet, the account and the narrowing. Needs accounts.read.",
    "Example: {}",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: { ...pageInput },
  outputSchema: { policies: z.array(trustPolicySchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.federation.listTrustPolicies(input);
    return { policies: response.policies.map(trustPolicyView), nextPageToken: response.nextPageToken };
  },
});
