// One place that opens the repositories over a database and makes sure their indexes exist.
import type { Db } from "mongodb";
import { AccountRepository } from "./account-repository.ts";
import { AuditRepository } from "./audit-repository.ts";
import { EnvironmentRepository } from "./environment-repository.ts";
import { InvalidationRepository } from "./invalidation-repository.ts";
import { Outbox } from "./outbox.ts";
import { OrganizationRepository } from "./organization-repository.ts";
import { RoleRepository } from "./role-repository.ts";
import { TokenRepository } from "./token-repository.ts";
import { TrustPolicyRepository } from "./trust-policy-repository.ts";
import { UsageRepository } from "./usage-repository.ts";
import { DeliveryRepository } from "./delivery-repository.ts";
import { TokenScan } from "./token-scan.ts";
import { WebhookRepository } from "./webhook-repository.ts";

export interface Store {
  organizations: OrganizationRepository;
  accounts: AccountRepository;
  tokens: TokenRepository;
  roles: RoleRepository;
  environments: EnvironmentRepository;
  trustPolicies: TrustPolicyRepository;
  audit: AuditRepository;
  invalidations: InvalidationRepository;
  usage: UsageRepository;
  webhooks: WebhookRepository;
  /** The webhook outbox: one delivery per webhook and event. */
  deliveries: DeliveryRepository;
  /** Tokens expiring, expired or unused, for the webhooks' lifecycle scan. */
  tokenScan: TokenScan;
  /** Relays the effects committed with each mutation (audit events, invalidations). */
  outbox: Outbox;
}

/** Opens the store; index creation is idempotent, so every process start runs it. */
export async function openStore(db: Db): Promise<Store> {
  const audit = new AuditRepository(db);
  const invalidations = new InvalidationRepository(db);
  const outbox = new Outbox(audit, invalidations);
  const tokens = new TokenRepository(db, outbox);
  const store: Store = {
    organizations: new OrganizationRepository(db, outbox),
    accounts: new AccountRepository(db, outbox),
    tokens,
    roles: new RoleRepository(db, outbox),
    environments: new EnvironmentRepository(db, outbox),
    trustPolicies: new TrustPolicyRepository(db, outbox),
    audit,
    invalidations,
    usage: new UsageRepository(db),
    webhooks: new WebhookRepository(db, outbox),
    deliveries: new DeliveryRepository(db),
    tokenScan: new TokenScan(tokens.collection),
    outbox,
  };
  await Promise.all([
    store.accounts.ensureIndexes(),
    store.tokens.ensureIndexes(),
    store.roles.ensureIndexes(),
    store.environments.ensureIndexes(),
    store.trustPolicies.ensureIndexes(),
    store.audit.ensureIndexes(),
    store.invalidations.ensureIndexes(),
    store.usage.ensureIndexes(),
    store.webhooks.ensureIndexes(),
    store.deliveries.ensureIndexes(),
    store.tokenScan.ensureIndexes(),
    outbox.ensureIndexes(),
  ]);
  return store;
}
