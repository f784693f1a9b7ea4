import type { ServiceImpl } from "@connectrpc/connect";
import { OrganizationService } from "../../../../gen/tessera/identity/v1/organization_pb.ts";
import { requirePermission } from "../../policy/access.ts";
import { invalidArgument, notFound } from "../../domain/errors.ts";
import { assertPolicyConsistent, type TokenPolicy } from "../../domain/token-policy.ts";
import * as valid from "../../domain/validation.ts";
import { auditTarget, callerOf, effects } from "../context.ts";
import { organizationMessage } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";

const maxTtlPath = "token_policy.max_token_ttl";
const defaultTtlPath = "token_policy.default_token_ttl";
const updatablePaths = [maxTtlPath, defaultTtlPath, "token_policy"];

export function organizationHandlers(deps: Deps): ServiceImpl<typeof OrganizationService> {
  const { store } = deps;
  return {
    async getOrganization(_req, ctx) {
      const caller = callerOf(ctx);
      const organization = await store.organizations.find(caller.org);
      if (!organization) throw notFound("organisation", caller.org);
      return { organization: organizationMessage(organization) };
    },

    async updateOrganization(req, ctx) {
      const caller = callerOf(ctx);
      auditTarget(ctx, caller.org);
      requirePermission(caller, "org.write");
      const paths = req.updateMask?.paths ?? [];
      const unknown = paths.find((p) => !updatablePaths.includes(p));
      if (paths.length === 0 || unknown) throw invalidArgument("update_mask", `use: ${updatablePaths.join(", ")}`);
      const current = await store.organizations.find(caller.org);
      if (!current) throw notFound("organisation", caller.org);
      const input = req.organization?.tokenPolicy;
      const policy: TokenPolicy = { ...current.tokenPolicy };
      const all = paths.includes("token_policy");
      if (all || paths.includes(maxTtlPath)) {
        policy.maxTtlMs = valid.duration(`organization.${maxTtlPath}`, input?.maxTokenTtl, false) ?? null;
      }
      if (all || paths.includes(defaultTtlPath)) {
        policy.defaultTtlMs = valid.duration(`organization.${defaultTtlPath}`, input?.defaultTokenTtl, false) ?? null;
      }
      assertPolicyConsistent(policy);
      const updated = await store.organizations.updatePolicy(caller.org, policy, effects(ctx));
      if (!updated) throw notFound("organisation", caller.org);
      return { organization: organizationMessage(updated) };
    },
  };
}
