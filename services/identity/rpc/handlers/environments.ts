import type { ServiceImpl } from "@connectrpc/connect";
import { EnvironmentService } from "../../../../gen/tessera/identity/v1/environment_pb.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as environments from "../../use-cases/environments.ts";
import { callOf } from "../context.ts";
import { environmentMessage } from "./convert.ts";

export function environmentHandlers(deps: Deps): ServiceImpl<typeof EnvironmentService> {
  return {
    async listEnvironments(req, ctx) {
      const { result } = await environments.listEnvironments(deps, callOf(ctx), req);
      return { environments: result.environments.map(environmentMessage), nextPageToken: result.nextPageToken };
    },
    createEnvironment: async (req, ctx) => ({
      environment: environmentMessage((await environments.createEnvironment(deps, callOf(ctx), req)).result),
    }),
    async deleteEnvironment(req, ctx) {
      await environments.deleteEnvironment(deps, callOf(ctx), req);
      return {};
    },
  };
}
