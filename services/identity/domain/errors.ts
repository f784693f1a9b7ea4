// Failures the identity service reports, independent of the RPC framework. The server maps them to
// Connect codes in one place (server/error-mapping.ts).
export type ErrorCode =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "permission_denied"
  | "unauthenticated"
  | "aborted"
  | "unavailable"
  | "resource_exhausted";

export class IdentityError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Stable machine-readable reason, e.g. "expired" or "escalation". */
    readonly reason: string = code,
    /** The request field at fault (invalid_argument, and not_found for a reference). */
    readonly field = "",
  ) {
    super(message);
    this.name = "IdentityError";
  }
}

export function invalidArgument(field: string, message: string): IdentityError {
  return new IdentityError("invalid_argument", `${field}: ${message}`, "invalid_argument", field);
}

/** `field`: the request field that named it, when it is not the call's own target but a reference. */
export function notFound(kind: string, id: string, field = ""): IdentityError {
  return new IdentityError("not_found", `${kind} ${JSON.stringify(id)} not found`, "not_found", field);
}

export function permissionDenied(message: string, reason = "permission_denied"): IdentityError {
  return new IdentityError("permission_denied", message, reason);
}

/** Refused by a limit (`what` went over it): RESOURCE_EXHAUSTED, saying when to retry. */
export function throttled(what: string, retryAfterMs: number, reason: string, field = ""): IdentityError {
  return new IdentityError("resource_exhausted", `${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, reason, field);
}

export function failedPrecondition(message: string, reason = "failed_precondition"): IdentityError {
  return new IdentityError("failed_precondition", message, reason);
}
