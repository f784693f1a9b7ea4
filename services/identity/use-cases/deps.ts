// What the use cases need from the world: the repositories (the parts of them they use, so a test
// can stand in an in-memory store), the role resolution the authenticator caches, and settings.
import type { Authenticator } from "../auth/authenticator.ts";
import type { AccountRepository } from "../store/account-repository.ts";
import type { AuditRepository } from "../store/audit-repository.ts";
import type { EnvironmentRepository } from "../store/environment-repository.ts";
import type { OrganizationRepository } from "../store/organization-repository.ts";
import type { RoleRepository } from "../store/role-repository.ts";
import type { TokenRepository } from "../store/token-repository.ts";
import type { UsageRepository } from "../store/usage-repository.ts";

export interface Repositories {
  organizations: Pick<OrganizationRepository, "create" | "find" | "lockAdmins" | "unlockAdmins" | "updatePolicy">;
  accounts: Pick<
    AccountRepository,
    | "insert"
    | "find"
    | "findByName"
    | "findForAuthentication"
    | "findMany"
    | "existing"
    | "list"
    | "update"
    | "setStatus"
    | "markDeleted"
    | "activeFullAdmins"
    | "clearManagersOfRole"
    | "countBoundToRole"
    | "managedByRoles"
    | "countUsingEnvironment"
  >;
  tokens: Pick<
    TokenRepository,
    | "insert"
    | "find"
    | "list"
    | "countActive"
    | "claimRotation"
    | "releaseRotation"
    | "revoke"
    | "restore"
    | "deleteInactive"
    | "revokeAllOfAccount"
    | "countUsingEnvironment"
  >;
  roles: Pick<RoleRepository, "listAll" | "find" | "insert" | "update" | "delete">;
  environments: Pick<EnvironmentRepository, "list" | "existing" | "insert" | "delete">;
  audit: Pick<AuditRepository, "list">;
  usage: Pick<UsageRepository, "since">;
}

/** Role names to permissions, custom roles included (the authenticator's, which it caches). */
export type RoleResolver = Pick<Authenticator, "grantsOf" | "rolePermissions">;

/** What every use case may use. */
export interface Deps {
  store: Repositories;
  roles: RoleResolver;
  /** The prefix of the tokens this deployment issues, e.g. "tsr". */
  tokenPrefix: string;
}
