// The stable reasons clients branch on. Verify answers them as data (VerifyResponse.reason); the
// same reasons name why a caller's own or delegated token was refused (ErrorDetail.reason of an
// UNAUTHENTICATED error). Messages may change; these do not.

export const verifyReasons = {
  malformed: "malformed",
  unknown: "unknown",
  expired: "expired",
  revoked: "revoked",
  accountDisabled: "account_disabled",
  audienceMismatch: "audience_mismatch",
  permissionDenied: "permission_denied",
  environmentDenied: "environment_denied",
} as const;

export type VerifyReason = (typeof verifyReasons)[keyof typeof verifyReasons];

/** The token is genuine but does not grant what was asked: a matter of permission, not of identity. */
export function deniesGrant(reason: string): boolean {
  return reason === verifyReasons.permissionDenied || reason === verifyReasons.environmentDenied;
}
