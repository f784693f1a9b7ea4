// The identity API's own permission names: what roles grant, what tokens narrow to, what MCP
// tools declare. Application permissions ("deploy:write") are free-form and never listed here.

export const identityPermissions = [
  "accounts.read",
  "accounts.write",
  "tokens.write",
  "tokens.revoke",
  "tokens.verify",
  "audit.read",
  "roles.write",
  "environments.write",
  "org.write",
  "identity.delegate",
] as const;
export type IdentityPermission = (typeof identityPermissions)[number];

/** Holds every permission, identity or application, in the environments it is bound to. */
export const wildcardPermission = "*";
