// The identity API's handlers over createRouterTransport (no sockets, no database): the real
// handlers and the real interceptors (request context, error mapping, audit, authentication with
// the real Authenticator) over the memory store, called with the generated clients. Proves the
// proto ↔ use case mapping, the mapping of domain errors to Connect codes with their ErrorDetail,
// and the audit events the rpc layer itself writes (refusals, no-ops, failed authentications).
import type { DescService } from "@bufbuild/protobuf";
import { Code, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { OrganizationService } from "../../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService, ServiceAccountStatus } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService, TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { Authenticator } from "../../services/identity/auth/authenticator.ts";
import { FailureLimiter } from "../../services/identity/auth/failure-limiter.ts";
import { Invalidations } from "../../services/identity/auth/invalidations.ts";
import { UsageRecorder } from "../../services/identity/auth/usage-recorder.ts";
import { VerifyCache } from "../../services/identity/auth/verify-cache.ts";
import { hashToken } from "../../services/identity/domain/token-format.ts";
import { auditHandlers } from "../../services/identity/rpc/handlers/audit.ts";
import { environmentHandlers } from "../../services/identity/rpc/handlers/environments.ts";
import { organizationHandlers } from "../../services/identity/rpc/handlers/organizations.ts";
import { roleHandlers } from "../../services/identity/rpc/handlers/roles.ts";
import { serviceAccountHandlers } from "../../services/identity/rpc/handlers/service-accounts.ts";
import { tokenHandlers } from "../../services/identity/rpc/handlers/tokens.ts";
import { verifyHandlers } from "../../services/identity/rpc/handlers/verify.ts";
import { auditInterceptor } from "../../services/identity/rpc/interceptors/audit.ts";
import { authInterceptor } from "../../services/identity/rpc/interceptors/authentication.ts";
import { errorMappingInterceptor } from "../../services/identity/rpc/interceptors/error-mapping.ts";
import { requestContextInterceptor } from "../../services/identity/rpc/interceptors/request-context.ts";
import type { InvalidationRepository } from "../../services/identity/store/invalidation-repository.ts";
import type { Store } from "../../services/identity/store/store.ts";
import { bootstrapOrganization } from "../../services/identity/use-cases/bootstrap.ts";
import type { Deps } from "../../services/identity/use-cases/deps.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { tokenPrefix } from "./support/fixtures.ts";
import { MemoryStore } from "./support/memory-store.ts";

/**
 * The real Authenticator over the memory store. Its verify cache stays untrusted (the change log is
 * never polled), so every call reads the store: a revocation counts at once, as it must.
 */
function authenticatorOver(store: MemoryStore, usage: UsageRecorder): Authenticator {
  const cache = new VerifyCache({ maxEntries: 0, ttlMs: 60_000, negativeTtlMs: 60_000 });
  const invalidations = new Invalidations({} as InvalidationRepository, cache, { pollMs: 3_600_000, lookbackMs: 60_000 }, () => {});
  return new Authenticator(store as unknown as Store, tokenPrefix, usage, cache, invalidations);
}

let store: MemoryStore;
/** Records uses as the service does; flushed by hand. */
let usage: UsageRecorder;
let clients: <S extends DescService>(service: S) => Client<S>;
/** The first admin's secret, from bootstrap. */
let root: string;
const as = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` } });

beforeEach(async () => {
  store = new MemoryStore();
  root = (await bootstrapOrganization(store, { org: "acme", adminName: "root", tokenPrefix, tokenPolicy: { maxTtlMs: null, defaultTtlMs: null }, channel: "cli" })).token;
  for (const name of ["dev", "prod"]) await store.environments.insert({ _id: new ObjectId(), org: "acme", name, description: "", createTime: new Date() });
  store.logs.clear();
  usage = new UsageRecorder(store as unknown as Store, 3_600_000, (error) => {
    throw error;
  });
  const authenticator = authenticatorOver(store, usage);
  const deps: Deps = { store, roles: authenticator, tokenPrefix };
  const log = pino({ level: "silent" });
  const transport = createRouterTransport(
    (router) =>
      router
        .service(ServiceAccountService, serviceAccountHandlers(deps))
        .service(TokenService, tokenHandlers(deps))
        .service(VerifyService, verifyHandlers(authenticator))
        .service(RoleService, roleHandlers(deps))
        .service(EnvironmentService, environmentHandlers(deps))
        .service(AuditService, auditHandlers(deps))
        .service(OrganizationService, organizationHandlers(deps)),
    {
      router: {
        // As rpc/server.ts orders them (metrics aside): auth innermost, audit outside the error mapping's answer.
        interceptors: [
          requestContextInterceptor(log),
          errorMappingInterceptor(log),
          auditInterceptor(store as unknown as Store),
          authInterceptor(authenticator, "tessera", new FailureLimiter({ limit: 0, windowMs: 60_000, maxKeys: 100 })),
        ],
      },
    },
  );
  clients = (service) => createClient(service, transport);
});

afterEach(() => usage.close());

type BindingInit = { role: string; allEnvironments?: boolean; environments?: string[] };

/** A service account created by root over the API, with a token of it; answers as the API shows them. */
async function bot(name = "bot", binding: BindingInit = { role: "developer", environments: ["dev"] }, permissions = ["accounts.read"]) {
  const { serviceAccount } = await clients(ServiceAccountService).createServiceAccount({ name, roleBindings: [binding] }, as(root));
  const created = await clients(TokenService).createToken({ accountId: serviceAccount!.id, label: "ci", permissions }, as(root));
  return { account: serviceAccount!, token: created.token!, secret: created.secret };
}

describe("rpc handlers", () => {
  it("map the API's prefixed ids and enums to the use cases and back", async () => {
    const { account, token, secret } = await bot();
    expect(account).toMatchObject({ name: "bot", status: ServiceAccountStatus.ACTIVE, etag: "1", roleBindings: [{ role: "developer", allEnvironments: false, environments: ["dev"] }] });
    expect(account.id).toMatch(/^sa_[0-9a-f]{24}$/);
    expect(account.createdBy?.accountId).toMatch(/^sa_[0-9a-f]{24}$/);
    expect(token).toMatchObject({ accountId: account.id, state: TokenState.ACTIVE, permissions: ["accounts.read"], hint: secret.slice(-4) });
    expect(token.id).toMatch(/^tok_[0-9a-f]{24}$/);
    // The id the API shows is the stored one, and the stored token holds the secret's hash only.
    const stored = await store.tokens.find("acme", token.id.slice(4));
    expect(stored?.hash).toBe(hashToken(secret));

    // The new secret authenticates, and WhoAmI shows the token narrowed.
    const { identity, channel } = await clients(VerifyService).whoAmI({}, as(secret));
    expect({ tokenId: identity?.tokenId, permissions: identity?.permissions, channel }).toEqual({ tokenId: token.id, permissions: ["accounts.read"], channel: "connect" });

    // Its use shows on the token once recorded.
    await usage.flush();
    const used = (await clients(TokenService).getToken({ id: token.id }, as(root))).token!;
    expect([used.lastUsedTime !== undefined, used.hourlyUsage.map((u) => u.count)]).toEqual([true, [1n]]);

    await clients(TokenService).revokeToken({ id: token.id, reason: "rotated out" }, as(root));
    const listed = await clients(TokenService).listTokens({ accountId: account.id, state: TokenState.REVOKED }, as(root));
    expect(listed.tokens.map((t) => [t.id, t.state, t.revokeReason])).toEqual([[token.id, TokenState.REVOKED, "rotated out"]]);
    const disabled = await clients(ServiceAccountService).listServiceAccounts({ status: ServiceAccountStatus.DISABLED }, as(root));
    expect(disabled.serviceAccounts).toEqual([]);
  });

  it("map roles, the organisation's durations and audit events", async () => {
    await clients(RoleService).createRole({ name: "deployer", permissions: ["deploy:write"] }, as(root));
    const roles = (await clients(RoleService).listRoles({}, as(root))).roles;
    expect(roles.filter((r) => ["admin", "deployer"].includes(r.name)).map((r) => [r.name, r.builtIn])).toEqual([
      ["admin", true],
      ["deployer", false],
    ]);
    const policy = { maxTokenTtl: { seconds: 90_000n, nanos: 500_000_000 } };
    const updated = await clients(OrganizationService).updateOrganization(
      { organization: { tokenPolicy: policy }, updateMask: { paths: ["token_policy.max_token_ttl"] } },
      as(root),
    );
    expect(updated.organization?.tokenPolicy?.maxTokenTtl).toMatchObject(policy.maxTokenTtl);
    expect((await store.organizations.find("acme"))?.tokenPolicy.maxTtlMs).toBe(90_000_500);
    const { events } = await clients(AuditService).listAuditEvents({ action: "organization.update" }, as(root));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ target: "acme", outcome: "ok", channel: "connect", targetVersion: 0n });
    expect(events[0]!.id).toMatch(/^[0-9a-f]{24}$/);
    expect([events[0]!.actor?.accountId, events[0]!.actor?.tokenId]).toEqual([
      expect.stringMatching(/^sa_[0-9a-f]{24}$/),
      expect.stringMatching(/^tok_[0-9a-f]{24}$/),
    ]);
  });

  it("refuse an unknown enum value and a wrongly prefixed id as INVALID_ARGUMENT naming the field", async () => {
    const { account } = await bot();
    const state = await rejection(clients(TokenService).listTokens({ state: 42 as TokenState }, as(root)));
    expect([state.code, fieldOf(state)]).toEqual([Code.InvalidArgument, "state"]);
    const status = await rejection(clients(ServiceAccountService).listServiceAccounts({ status: 9 as ServiceAccountStatus }, as(root)));
    expect([status.code, fieldOf(status)]).toEqual([Code.InvalidArgument, "status"]);
    const wrongId = await rejection(clients(TokenService).getToken({ id: account.id }, as(root)));
    expect([wrongId.code, reasonOf(wrongId), fieldOf(wrongId)]).toEqual([Code.InvalidArgument, "invalid_argument", "id"]);
  });

  it("map domain errors to Connect codes with their reason and field", async () => {
    const { account } = await bot();
    const accounts = clients(ServiceAccountService);
    const cases = [
      [accounts.createServiceAccount({ name: "bot" }, as(root)), Code.AlreadyExists, "already_exists", "name"],
      [clients(TokenService).createToken({ accountId: account.id, label: "x", permissions: ["audit.read"] }, as(root)), Code.InvalidArgument, "invalid_argument", "permissions[0]"],
      [accounts.getServiceAccount({ id: "sa_000000000000000000000000" }, as(root)), Code.NotFound, "not_found", ""],
      [accounts.updateServiceAccount({ serviceAccount: { id: account.id, etag: "7" }, updateMask: { paths: ["description"] } }, as(root)), Code.Aborted, "etag_mismatch", ""],
    ] as const;
    for (const [call, code, reason, field] of cases) {
      const error = await rejection(call);
      expect([Code[error.code], reasonOf(error), fieldOf(error)]).toEqual([Code[code], reason, field]);
    }
    const { identity } = await clients(VerifyService).whoAmI({}, as(root));
    const lastAdmin = await rejection(accounts.disableServiceAccount({ id: identity!.principal!.accountId }, as(root)));
    expect([lastAdmin.code, reasonOf(lastAdmin)]).toEqual([Code.FailedPrecondition, "last_admin"]);
  });

  it("audit a refused mutation, a no-op and a failed authentication, and nothing for a refused read", async () => {
    const { token, secret } = await bot("bot", { role: "viewer", environments: ["dev"] });
    store.logs.clear();
    const refused = await rejection(clients(EnvironmentService).createEnvironment({ name: "qa" }, as(secret)));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.PermissionDenied, "permission_denied"]);
    expect(store.logs.audit).toEqual([
      expect.objectContaining({
        action: "environment.create",
        target: "qa",
        outcome: "permission_denied",
        reason: "permission_denied",
        channel: "connect",
        actor: expect.objectContaining({ accountName: "bot", tokenId: token.id.slice(4) }),
      }),
    ]);
    expect(store.logs.audit[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);

    store.logs.clear();
    await clients(TokenService).revokeToken({ id: token.id, reason: "first" }, as(root));
    await clients(TokenService).revokeToken({ id: token.id, reason: "again" }, as(root));
    // The change committed its event with the write (its version); the no-op is recorded by the interceptor (no version).
    expect(store.logs.audit.map((e) => [e.action, e.outcome, e.targetVersion, e.detail])).toEqual([
      ["token.revoke", "ok", 2, "first"],
      ["token.revoke", "ok", 0, "again"],
    ]);
    expect(store.logs.invalidations.map((i) => i.key)).toEqual([hashToken(secret)]);

    store.logs.clear();
    const revoked = await rejection(clients(VerifyService).whoAmI({}, as(secret)));
    expect([revoked.code, reasonOf(revoked)]).toEqual([Code.Unauthenticated, "revoked"]);
    const missing = await rejection(clients(ServiceAccountService).listServiceAccounts({}));
    expect([missing.code, reasonOf(missing)]).toEqual([Code.Unauthenticated, "missing"]);
    expect(store.logs.audit.map((e) => [e.action, e.outcome, e.reason, e.org])).toEqual([
      ["auth.failed", "unauthenticated", "revoked", "acme"],
      ["auth.failed", "unauthenticated", "missing", ""],
    ]);

    store.logs.clear();
    await rejection(clients(ServiceAccountService).getServiceAccount({ id: "sa_000000000000000000000000" }, as(root)));
    expect(store.logs.audit).toEqual([]);
  });

  it("verify answers for the presented token, reading revocations at once", async () => {
    const { token, secret } = await bot();
    const verify = () => clients(VerifyService).verify({ token: secret, permission: "accounts.read", environment: "dev" }, as(root));
    expect(await verify()).toMatchObject({ valid: true, identity: { tokenId: token.id } });
    expect(await clients(VerifyService).verify({ token: secret, permission: "accounts.read", environment: "prod" }, as(root))).toMatchObject({
      valid: false,
      reason: "permission_denied",
    });
    await clients(TokenService).revokeToken({ id: token.id, reason: "" }, as(root));
    expect(await verify()).toMatchObject({ valid: false, reason: "revoked" });
    // Verify needs tokens.verify: a developer's token does not carry it.
    const developer = await bot("other", { role: "developer", allEnvironments: true }, []);
    const refused = await rejection(clients(VerifyService).verify({ token: secret }, as(developer.secret)));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.PermissionDenied, "permission_denied"]);
  });
});
