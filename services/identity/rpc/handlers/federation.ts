import type { ServiceImpl } from "@connectrpc/connect";
import { claimConditionFields } from "../../../../client/claim-conditions.ts";
import { FederationService } from "../../../../gen/tessera/identity/v1/federation_pb.ts";
import * as federation from "../../use-cases/federation.ts";
import { callOf, effectsOf } from "../context.ts";
import { tokenMessage, trustPolicyMessage } from "./convert.ts";

export function federationHandlers(deps: federation.FederationDeps): ServiceImpl<typeof FederationService> {
  return {
    async createTrustPolicy(req, ctx) {
      const input = req.policy && { ...req.policy, conditions: req.policy.conditions.map(claimConditionFields) };
      return { policy: trustPolicyMessage((await federation.createTrustPolicy(deps, callOf(ctx), input)).result) };
    },
    getTrustPolicy: async (req, ctx) => ({ policy: trustPolicyMessage((await federation.getTrustPolicy(deps, callOf(ctx), req.name)).result) }),
    async listTrustPolicies(req, ctx) {
      const { result } = await federation.listTrustPolicies(deps, callOf(ctx), req);
      return { policies: result.policies.map(trustPolicyMessage), nextPageToken: result.nextPageToken };
    },
    async deleteTrustPolicy(req, ctx) {
      await federation.deleteTrustPolicy(deps, callOf(ctx), req.name);
      return {};
    },
    // A public method (rpc/public-methods.ts): no caller, only the call's effects.
    async exchangeToken(req, ctx) {
      const { result } = await federation.exchangeToken(deps, effectsOf(ctx), req);
      return { secret: result.secret, token: tokenMessage(result.token, result.now) };
    },
  };
}
