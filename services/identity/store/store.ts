// One place that opens the repositories over a database and makes sure their indexes exist.
import type { Db } from "mongodb";
import { AccountRepository } from "./account-repository.ts";
import { AuditRepository } from "./audit-repository.ts";
import { EnvironmentRepository } from "./environment-repository.ts";
import { InvalidationRepository } from "./invalidation-repository.ts";
import { OrganizationRepository } from "./organization-repository.ts";
import { RoleRepository } from "./role-repository.ts";
import { TokenRepository } from "./token-repository.ts";
import { UsageRepository } from "./usage-repository.ts";

export interface Store {
  organizations: OrganizationRepository;
  accounts: AccountRepository;
  tokens: TokenRepository;
  roles: RoleRepository;
  environments: EnvironmentRepository;
  audit: AuditRepository;
  invalidations: InvalidationRepository;
  usage: UsageRepository;
}

/** Opens the store; index creation is idempotent, so every process start runs it. */
export async function openStore(db: Db): Promise<Store> {
  const store: Store = {
    organizations: new OrganizationRepository(db),
    accounts: new AccountRepository(db),
    tokens: new TokenRepository(db),
    roles: new RoleRepository(db),
    environments: new EnvironmentRepository(db),
    audit: new AuditRepository(db),
    invalidations: new InvalidationRepository(db),
    usage: new UsageRepository(db),
  };
  await Promise.all([
    store.accounts.ensureIndexes(),
    store.tokens.ensureIndexes(),
    store.roles.ensureIndexes(),
    store.environments.ensureIndexes(),
    store.audit.ensureIndexes(),
    store.invalidations.ensureIndexes(),
    store.usage.ensureIndexes(),
  ]);
  return store;
}
