// Identity errors as text a model can act on: what went wrong, which field, and what to try.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../gen/tessera/identity/v1/common_pb.ts";
import { codeName } from "../services/identity/server/error-mapping.ts";

const advice: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "Fix the named field and call the tool again.",
  [Code.NotFound]: "Check the id; list_service_accounts or list_tokens show what exists.",
  [Code.AlreadyExists]: "Choose another name, or use the existing resource.",
  [Code.FailedPrecondition]: "The resource is not in a state that allows this; get it to see its state.",
  [Code.PermissionDenied]: "Your token does not allow this. Ask an administrator, or use whoami to see your permissions.",
  [Code.Unauthenticated]: "Your token is no longer valid; get a new one.",
  [Code.Aborted]: "The resource changed meanwhile; get it again and retry.",
  [Code.Unavailable]: "The identity service is unavailable; retry shortly.",
  [Code.DeadlineExceeded]: "The identity service did not answer in time; retry shortly.",
};

export function toolErrorText(error: ConnectError): string {
  const detail = error.findDetails(ErrorDetailSchema)[0];
  const code = codeName(error.code);
  const parts = [`${code}: ${error.rawMessage}`];
  if (detail?.field) parts.push(`Field: ${detail.field}.`);
  if (detail?.reason && detail.reason !== code) parts.push(`Reason: ${detail.reason}.`);
  const hint = advice[error.code];
  if (hint) parts.push(hint);
  return parts.join(" ");
}
