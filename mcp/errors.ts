// Identity errors as text a model can act on: what went wrong, which field, and what to try, each
// as a sentence of its own.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName, errorDetail } from "../client/errors.ts";
import { subjectTokenHeader } from "../client/headers.ts";

const advice: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "Fix the named field and call the tool again.",
  [Code.NotFound]:
    "Check the id or name: list_service_accounts or list_tokens show what exists, and list_roles or list_environments show roles and environments.",
  [Code.AlreadyExists]: "Choose another name, or use the existing resource.",
  [Code.FailedPrecondition]: "The resource is not in a state that allows this; get it to see its state.",
  [Code.PermissionDenied]: "Your token does not allow this. Ask an administrator, or use whoami to see your permissions.",
  [Code.Aborted]: "The resource changed meanwhile; get it again and retry.",
  [Code.Unavailable]: "The identity service is unavailable; retry shortly.",
  [Code.DeadlineExceeded]: "The identity service did not answer in time; retry shortly.",
  [Code.ResourceExhausted]: "Too many requests; wait a little and retry.",
};

/** One or more sentences from a message: whitespace (newlines too) collapsed, a capital first, a full stop last. */
export function sentence(text: string): string {
  const trimmed = text.replace(/\s+/g, " ").trim();
  if (!trimmed) return "";
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]["')\]]?$/.test(capital) ? capital : `${capital}.`;
}

/** The message without the header name the identity service prefixes for a delegated token: it means nothing to a model. */
function message(error: ConnectError): string {
  const prefix = `${subjectTokenHeader}: `;
  return error.rawMessage.startsWith(prefix) ? error.rawMessage.slice(prefix.length) : error.rawMessage;
}

/**
 * `delegated`: whether the MCP server presents the caller's token as the subject of a delegation
 * (HTTP, and stdio with a credential) or calls with the caller's token itself (stdio without one).
 */
export function toolErrorText(error: ConnectError, delegated = true): string {
  const detail = errorDetail(error);
  const code = codeName(error.code);
  const parts = [`${code}:`];
  const said = sentence(message(error));
  if (said) parts.push(said);
  if (detail?.field && detail.field !== subjectTokenHeader) parts.push(`Field: ${detail.field}.`);
  if (detail?.reason && detail.reason !== code) parts.push(`Reason: ${detail.reason}.`);
  if (error.code === Code.Unauthenticated) {
    // The caller's token is the subject of the delegation; anything else is the MCP server's own credential.
    parts.push(
      detail?.field === subjectTokenHeader || !delegated
        ? "Your token is no longer valid; get a new one."
        : "The MCP server's own credential was refused; this is not your token's fault: tell the operator.",
    );
  } else {
    const hint = advice[error.code];
    if (hint) parts.push(hint);
  }
  return parts.join(" ");
}
