import type { ServiceImpl } from "@connectrpc/connect";
import { RoleService } from "../../../../gen/tessera/identity/v1/role_pb.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as roles from "../../use-cases/roles.ts";
import { callOf } from "../context.ts";
import { builtInRoleMessage, roleMessage } from "./convert.ts";

export function roleHandlers(deps: Deps): ServiceImpl<typeof RoleService> {
  return {
    async listRoles(req, ctx) {
      const { result } = await roles.listRoles(deps, callOf(ctx), req);
      return {
        roles: result.roles.map((r) => ("builtIn" in r ? builtInRoleMessage(r.builtIn) : roleMessage(r.custom))),
        nextPageToken: result.nextPageToken,
      };
    },
    createRole: async (req, ctx) => ({ role: roleMessage((await roles.createRole(deps, callOf(ctx), req)).result) }),
    updateRole: async (req, ctx) => ({
      role: roleMessage((await roles.updateRole(deps, callOf(ctx), { role: req.role, paths: req.updateMask?.paths ?? [] })).result),
    }),
    async deleteRole(req, ctx) {
      await roles.deleteRole(deps, callOf(ctx), req);
      return {};
    },
  };
}
