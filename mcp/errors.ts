// Identity errors as text a model can act on: what went wrong, which field, and what to try, each
// as a sentence of its own.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName, errorDetail } from "../client/errors.ts";
import { subjectTokenHeader } from "../client/headers.ts";

const advice: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "Fix the named field and call the tool again.",
  [Code.NotFound]: "Check the id; list_service_accounts or list_tokens show what exists.",
  [Code.AlreadyExists]: "Choose another name, or use the existing resource.",
  [Code.FailedPrecondition]: "The resource is not in a state that allows this; get it to see its state.",
  [Code.PermissionDenied]: "Your token does not allow this. Ask an administrator, or use whoami to see your permissions.",
  [Code.Aborted]: "The resource changed meanwhile; get it again and retry.",
  [Code.Unavailable]: "The identity service is unavailable; retry shortly.",
  [Code.DeadlineExceeded]: "The identity service did not answer in time; retry shortly.",
  [Code.ResourceExhausted]: "Too many requests; wait a little and retry.",
};

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export function toolErrorText(error: ConnectError): string {
  const detail = errorDetail(error);
  const code = codeName(error.code);
  const parts = [`${code}: ${sentence(error.rawMessage)}`];
  if (detail?.field && detail.field !== subjectTokenHeader) parts.push(`Field: ${detail.field}.`);
  if (detail?.reason && detail.reason !== code) parts.push(`Reason: ${detail.reason}.`);
  if (error.code === Code.Unauthenticated) {
    // The caller's token is the subject of the delegation; anything else is the MCP server's own credential.
    parts.push(
      detail?.field === subjectTokenHeader
        ? "Your token is no longer valid; get a new one."
        : "The MCP server's own credential was refused; this is not your token's fault: tell the operator.",
    );
  } else {
    const hint = advice[error.code];
    if (hint) parts.push(hint);
  }
  return parts.join(" ");
}
