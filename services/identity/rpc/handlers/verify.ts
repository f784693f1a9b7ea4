import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { VerifyResponseSchema, VerifyService, type VerifyResponse } from "../../../../gen/tessera/identity/v1/verify_pb.ts";
import { AuthenticationError, requireAudience, toCaller, type Authenticator, type VerifiedToken } from "../../auth/authenticator.ts";
import { requirePermission } from "../../policy/access.ts";
import { holds, holdsIn, reach, covers } from "../../domain/permissions.ts";
import * as valid from "../../domain/validation.ts";
import { callInfoKey, callerOf } from "../context.ts";
import { reusable } from "../unary-fast-path.ts";
import { identityMessage, principal } from "./convert.ts";

/** The presented token is not valid: an outcome, reported as data (the call itself succeeded). */
const invalid = (reason: string, message: string) => ({ valid: false, reason, message });

/**
 * The valid answer for a verified token, built (and, on the fast path, encoded) once per cache
 * entry: the authenticator answers with the cached object itself, replaced when the token or its
 * account is invalidated, so a memoised answer lives exactly as long as what it was built from.
 */
const validAnswers = new WeakMap<VerifiedToken, VerifyResponse>();
function validAnswer(verified: VerifiedToken): VerifyResponse {
  let answer = validAnswers.get(verified);
  if (!answer) {
    answer = reusable(create(VerifyResponseSchema, { valid: true, identity: identityMessage(toCaller(verified)) }));
    validAnswers.set(verified, answer);
  }
  return answer;
}

export function verifyHandlers(authenticator: Authenticator): ServiceImpl<typeof VerifyService> {
  return {
    async verify(req, ctx) {
      const caller = callerOf(ctx);
      requirePermission(caller, "tokens.verify");
      const audience = req.audience && valid.audience("audience", req.audience);
      const permission = req.permission && valid.permission("permission", req.permission);
      const environment = req.environment && valid.name("environment", req.environment);
      let verified;
      try {
        // A verifier sees only its own organisation's tokens.
        verified = await authenticator.verify(req.token, new Date(), caller.org);
        requireAudience(verified, audience);
      } catch (error) {
        if (error instanceof AuthenticationError) return invalid(error.reason, error.message);
        throw error;
      }
      const { grants } = verified;
      if (permission && !(environment ? holdsIn(grants, permission, environment) : holds(grants, permission))) {
        return invalid("permission_denied", `the token does not grant "${permission}"${environment ? ` in "${environment}"` : ""}`);
      }
      if (environment && !permission && !covers(reach(grants), { all: false, environments: new Set([environment]) })) {
        return invalid("environment_denied", `the token has no access in "${environment}"`);
      }
      return validAnswer(verified);
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
