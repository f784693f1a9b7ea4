// Anything shaped like a bearer token (a short lowercase prefix, "_", and a long run of base62) or a
// webhook signing secret ("whsec_" and base64url, whose "-" and "_" would cut the first shape short)
// is replaced before a value is stored in the audit trail or logged: callers paste secrets into the
// wrong fields, and the trail must never keep them.
const secretShaped = /whsec_[A-Za-z0-9_-]{30,}|[a-z][a-z0-9]{1,9}_[A-Za-z0-9]{30,}/g;

export const redacted = "[redacted]";

export function redact(value: string): string {
  return value.replace(secretShaped, redacted);
}
