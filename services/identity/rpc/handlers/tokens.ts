import type { ServiceImpl } from "@connectrpc/connect";
import { TokenService, TokenState } from "../../../../gen/tessera/identity/v1/token_pb.ts";
import { invalidArgument } from "../../domain/errors.ts";
import type { TokenState as State } from "../../domain/token-state.ts";
import type { Deps } from "../../use-cases/deps.ts";
import * as tokens from "../../use-cases/tokens.ts";
import { callOf } from "../context.ts";
import { tokenMessage } from "./convert.ts";

export function tokenHandlers(deps: Deps): ServiceImpl<typeof TokenService> {
  return {
    async createToken(req, ctx) {
      const { result } = await tokens.createToken(deps, callOf(ctx), req);
      return { token: tokenMessage(result.token, result.now), secret: result.secret };
    },

    async getToken(req, ctx) {
      const { result } = await tokens.getToken(deps, callOf(ctx), req.id);
      return { token: tokenMessage(result.token, new Date(), result.usage) };
    },

    async listTokens(req, ctx) {
      const { result } = await tokens.listTokens(deps, callOf(ctx), { ...req, state: stateFilter(req.state) });
      const now = new Date();
      return { tokens: result.tokens.map((t) => tokenMessage(t.token, now, t.usage)), nextPageToken: result.nextPageToken };
    },

    async rotateToken(req, ctx) {
      const { result } = await tokens.rotateToken(deps, callOf(ctx), req);
      return { token: tokenMessage(result.token, result.now), secret: result.secret, previousToken: tokenMessage(result.previous, result.now) };
    },

    async revokeToken(req, ctx) {
      const { result } = await tokens.revokeToken(deps, callOf(ctx), req);
      return { token: tokenMessage(result, new Date()) };
    },

    async restoreToken(req, ctx) {
      const { result } = await tokens.restoreToken(deps, callOf(ctx), req.id);
      return { token: tokenMessage(result, new Date()) };
    },

    async deleteToken(req, ctx) {
      await tokens.deleteToken(deps, callOf(ctx), req.id);
      return {};
    },
  };
}

function stateFilter(state: TokenState): State | undefined {
  switch (state) {
    case TokenState.UNSPECIFIED:
      return undefined;
    case TokenState.ACTIVE:
      return "active";
    case TokenState.EXPIRED:
      return "expired";
    case TokenState.REVOKED:
      return "revoked";
    default:
      throw invalidArgument("state", "is not a known token state");
  }
}
