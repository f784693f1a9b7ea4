// Identity errors as clients read them: the code in lower snake case (as the service also names it
// in metrics and the audit trail), the stable reason and field of the ErrorDetail, and one line
// for people.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, type ErrorDetail } from "../gen/tessera/identity/v1/common_pb.ts";

/** A code in lower snake case, e.g. "permission_denied" for Code.PermissionDenied. */
export function codeName(code: Code): string {
  return Code[code]!.replace(/[A-Z]/g, (c, offset: number) => (offset ? "_" : "") + c.toLowerCase());
}

/** The detail the service attaches to its errors: a stable reason and the field at fault. */
export function errorDetail(error: ConnectError): ErrorDetail | undefined {
  return error.findDetails(ErrorDetailSchema)[0];
}

/** One line for people: "failed_precondition (last_admin): message"; the reason only when it says more than the code. */
export function describeError(error: unknown): string {
  if (error instanceof ConnectError) {
    const code = codeName(error.code);
    const reason = errorDetail(error)?.reason;
    return `${code}${reason && reason !== code ? ` (${reason})` : ""}: ${error.rawMessage}`;
  }
  return error instanceof Error ? error.message : String(error);
}
