import type { ServiceImpl } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { EnvironmentService } from "../../../../gen/tessera/identity/v1/environment_pb.ts";
import { requirePermission } from "../../policy/access.ts";
import { failedPrecondition, notFound } from "../../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../../domain/page-token.ts";
import * as valid from "../../domain/validation.ts";
import type { EnvironmentDoc } from "../../store/documents.ts";
import { auditTarget, callerOf, effects } from "../context.ts";
import { environmentMessage } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";

export function environmentHandlers(deps: Deps): ServiceImpl<typeof EnvironmentService> {
  const { store } = deps;
  return {
    async listEnvironments(req, ctx) {
      const caller = callerOf(ctx);
      const pageSize = valid.pageSize("page_size", req.pageSize);
      const page = await store.environments.list(caller.org, pageSize, decodePageToken(req.pageToken, {}));
      return {
        environments: page.items.map(environmentMessage),
        nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, {}) : "",
      };
    },

    async createEnvironment(req, ctx) {
      const caller = callerOf(ctx);
      const name = valid.name("name", req.name);
      auditTarget(ctx, name);
      requirePermission(caller, "environments.write");
      const doc: EnvironmentDoc = {
        _id: new ObjectId(),
        org: caller.org,
        name,
        description: valid.text("description", req.description, 1024),
        createTime: new Date(),
      };
      await store.environments.insert(doc, effects(ctx));
      return { environment: environmentMessage(doc) };
    },

    async deleteEnvironment(req, ctx) {
      const caller = callerOf(ctx);
      const name = valid.name("name", req.name);
      auditTarget(ctx, name);
      requirePermission(caller, "environments.write");
      const bindings = await store.accounts.countUsingEnvironment(caller.org, name);
      const tokens = await store.tokens.countUsingEnvironment(caller.org, name, new Date());
      if (bindings + tokens > 0) {
        throw failedPrecondition(
          `the environment is used by ${bindings} service account(s) and ${tokens} active token(s); remove those first`,
          "environment_in_use",
        );
      }
      if (!(await store.environments.delete(caller.org, name, effects(ctx)))) throw notFound("environment", name);
      return {};
    },
  };
}
