import { z } from "zod";
import { claimConditionMessage } from "../../client/claim-conditions.ts";
import { defineTool } from "../tool.ts";
import { claimConditionSchema, trustPolicySchema, trustPolicyView } from "../views.ts";

export default defineTool({
  name: "create_trust_policy",
  title: "Trust a CI platform's OIDC tokens (keyless CI)",
  description: [
    "Lets CI jobs log in as a service account with their platform's OIDC token (`tessera login --oidc`), so no",
    "secret is stored in the pipeline. Name the issuer (GitHub Actions: https://token.actions.githubusercontent.com;",
    "GitLab: https://gitlab.com), the audience the job requests, and at least one claim condition that pins the",
    "repository or project and branch (without one, every repository the issuer serves would be trusted).",
    "Narrow the exchanged tokens to what the job needs; they live maxTtlSeconds (default 900). Needs org.write and",
    "tokens.write on the account. Example: { name: \"github-deploy\", issuer:",
    "\"https://token.actions.githubusercontent.com\", audiences: [\"tessera\"], conditions: [{ claim: \"repository\",",
    "equals: \"acme/app\" }, { claim: \"ref\", equals: \"refs/heads/main\" }], serviceAccountId: \"sa_…\",",
    "permissions: [\"deploy:write\"] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["org.write", "tokens.write"],
  inputSchema: {
    name: z.string().describe("lowercase letters, digits and dashes, unique in the organisation"),
    description: z.string().optional(),
    issuer: z.string().describe("the issuer URL exactly as the tokens' iss claim spells it (https)"),
    audiences: z.array(z.string()).min(1).describe("the token's aud must contain one of these"),
    conditions: z.array(claimConditionSchema).min(1),
    serviceAccountId: z.string().describe("sa_… the exchanged tokens act as"),
    permissions: z.array(z.string()).optional().describe("narrow the exchanged tokens to these permissions"),
    environments: z.array(z.string()).optional().describe("narrow them to these environments"),
    tokenAudiences: z.array(z.string()).optional().describe("services they may be presented to"),
    maxTtlSeconds: z.number().int().positive().optional().describe("their lifetime; default 900, at most 43200"),
  },
  outputSchema: { policy: trustPolicySchema },
  async handler({ conditions, maxTtlSeconds, ...input }, { identity }) {
    const { policy } = await identity.federation.createTrustPolicy({
      policy: {
        ...input,
        conditions: conditions.map(claimConditionMessage),
        maxTtl: maxTtlSeconds === undefined ? undefined : { seconds: BigInt(maxTtlSeconds) },
      },
    });
    return { policy: trustPolicyView(policy!) };
  },
});
