// The one place where failures become RPC errors: domain errors keep their code, reason and field
// (as an ErrorDetail); database outages become UNAVAILABLE; anything else is logged and reported
// as INTERNAL without its message, which could carry internals.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { MongoError } from "mongodb";
import type { Logger } from "pino";
import { codeName } from "../../../../client/errors.ts";
import { ErrorDetailSchema } from "../../../../gen/tessera/identity/v1/common_pb.ts";
import { IdentityError, type ErrorCode } from "../../domain/errors.ts";

const codes: Record<ErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  aborted: Code.Aborted,
  unavailable: Code.Unavailable,
  resource_exhausted: Code.ResourceExhausted,
};

export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof IdentityError) {
    return new ConnectError(error.message, codes[error.code], undefined, [
      { desc: ErrorDetailSchema, value: { reason: error.reason, field: error.field } },
    ]);
  }
  if (error instanceof MongoError) {
    return new ConnectError("the database is unavailable; try again", Code.Unavailable, undefined, [
      { desc: ErrorDetailSchema, value: { reason: "database_unavailable", field: "" } },
    ]);
  }
  return new ConnectError("internal error", Code.Internal);
}

/** Maps every error of the calls inside it, and logs the ones that are not the caller's doing. */
export function errorMappingInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (error instanceof MongoError) {
        log.error({ err: { name: error.name, code: error.code, message: error.message }, method: req.method.name }, "database error");
      } else if (!(error instanceof ConnectError) && !(error instanceof IdentityError)) {
        log.error({ err: error, method: req.method.name }, "unexpected error");
      }
      throw toConnectError(error);
    }
  };
}

// Codes are named as clients name them (client/errors.ts owns the rule); re-exported for the
// service's metrics and audit trail.
export { codeName };

/** The ErrorDetail reason of a mapped error, e.g. "expired"; its code name when it has none. */
export function reasonOf(error: ConnectError): string {
  return error.findDetails(ErrorDetailSchema)[0]?.reason ?? codeName(error.code);
}
