import type { ServiceImpl } from "@connectrpc/connect";
import { OrganizationService } from "../../../../gen/tessera/identity/v1/organization_pb.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as organizations from "../../use-cases/organizations.ts";
import { callOf } from "../context.ts";
import { organizationMessage } from "./convert.ts";

export function organizationHandlers(deps: Deps): ServiceImpl<typeof OrganizationService> {
  return {
    getOrganization: async (_req, ctx) => ({ organization: organizationMessage((await organizations.getOrganization(deps, callOf(ctx))).result) }),
    updateOrganization: async (req, ctx) => {
      const input = { tokenPolicy: req.organization?.tokenPolicy, paths: req.updateMask?.paths ?? [] };
      return { organization: organizationMessage((await organizations.updateOrganization(deps, callOf(ctx), input)).result) };
    },
  };
}
