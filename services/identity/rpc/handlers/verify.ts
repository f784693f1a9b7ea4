import type { ServiceImpl } from "@connectrpc/connect";
import { VerifyService } from "../../../../gen/tessera/identity/v1/verify_pb.ts";
import { AuthenticationError, requireAudience, toCaller, type Authenticator } from "../../auth/authenticator.ts";
import { requirePermission } from "../../policy/access.ts";
import { holds, holdsIn, reach, covers } from "../../domain/permissions.ts";
import * as valid from "../../domain/validation.ts";
import { callInfoKey, callerOf } from "../context.ts";
import { identityMessage, principal } from "./convert.ts";

/** The presented token is not valid: an outcome, reported as data (the call itself succeeded). */
const invalid = (reason: string, message: string) => ({ valid: false, reason, message });

export function verifyHandlers(authenticator: Authenticator): ServiceImpl<typeof VerifyService> {
  return {
    async verify(req, ctx) {
      const caller = callerOf(ctx);
      requirePermission(caller, "tokens.verify");
      const audience = req.audience && valid.audience("audience", req.audience);
      const permission = req.permission && valid.permission("permission", req.permission);
      const environment = req.environment && valid.name("environment", req.environment);
      let presented;
      try {
        // A verifier sees only its own organisation's tokens.
        const verified = await authenticator.verify(req.token, new Date(), caller.org);
        requireAudience(verified, audience);
        presented = toCaller(verified);
      } catch (error) {
        if (error instanceof AuthenticationError) return invalid(error.reason, error.message);
        throw error;
      }
      if (permission && !(environment ? holdsIn(presented.grants, permission, environment) : holds(presented.grants, permission))) {
        return invalid("permission_denied", `the token does not grant "${permission}"${environment ? ` in "${environment}"` : ""}`);
      }
      if (environment && !permission && !covers(reach(presented.grants), { all: false, environments: new Set([environment]) })) {
        return invalid("environment_denied", `the token has no access in "${environment}"`);
      }
      return { valid: true, identity: identityMessage(presented) };
    },

    async whoAmI(_req, ctx) {
      const caller = callerOf(ctx);
      return {
        identity: identityMessage(caller),
        delegate: principal(caller.org, caller.delegate),
        channel: ctx.values.get(callInfoKey).channel,
      };
    },
  };
}
