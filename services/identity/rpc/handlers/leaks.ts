import type { ServiceImpl } from "@connectrpc/connect";
import { LeakService } from "../../../../gen/tessera/identity/v1/leak_pb.ts";
import { reportLeakedTokens, type LeakDeps } from "../../use-cases/leaks.ts";
import { effectsOf } from "../context.ts";

export function leakHandlers(deps: LeakDeps): ServiceImpl<typeof LeakService> {
  return {
    // A public method (rpc/public-methods.ts): the same empty answer whatever was reported.
    async reportLeakedTokens(req, ctx) {
      await reportLeakedTokens(deps, effectsOf(ctx).facts, req.tokens.map((t) => ({ token: t.token, url: t.url, source: "report" })));
      return {};
    },
  };
}
