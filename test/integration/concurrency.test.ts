// Races: many clients acting on one resource at once must leave exactly the outcome the rules
// allow, and the audit trail must order the changes as they were applied.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService, TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const codes = (results: PromiseSettledResult<unknown>[]) =>
  results.map((r) => (r.status === "fulfilled" ? "ok" : Code[ConnectError.from(r.reason).code]));

describe("concurrency", () => {
  it("100 concurrent rotations of one token make exactly one new token", async () => {
    const bot = await h.provision("rotation-race", [{ role: "viewer", allEnvironments: true }]);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => h.client(TokenService).rotateToken({ id: bot.tokenId, gracePeriod: { seconds: 60n } })),
    );
    const outcome = codes(results);
    expect(outcome.filter((c) => c === "ok")).toHaveLength(1);
    expect(new Set(outcome.filter((c) => c !== "ok"))).toEqual(new Set(["FailedPrecondition"]));
    const { tokens } = await h.client(TokenService).listTokens({ accountId: bot.accountId });
    expect(tokens.filter((t) => t.rotatedFromTokenId === bot.tokenId)).toHaveLength(1);
    expect(tokens).toHaveLength(2);
  });

  it("concurrent creates of one name: one success, the rest ALREADY_EXISTS", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => h.client(ServiceAccountService).createServiceAccount({ name: "raced-name" })),
    );
    const outcome = codes(results);
    expect(outcome.filter((c) => c === "ok")).toHaveLength(1);
    expect(outcome.filter((c) => c === "AlreadyExists")).toHaveLength(49);
    const { serviceAccounts } = await h.client(ServiceAccountService).listServiceAccounts({ namePrefix: "raced-name" });
    expect(serviceAccounts).toHaveLength(1);
  });

  it("concurrent revokes and restores end in the state the audit trail's last change says", async () => {
    const bot = await h.provision("flip-flop", [{ role: "viewer", allEnvironments: true }]);
    const tokens = h.client(TokenService);
    await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? tokens.revokeToken({ id: bot.tokenId }) : tokens.restoreToken({ id: bot.tokenId }))),
    );
    const { token } = await tokens.getToken({ id: bot.tokenId });
    const { events } = await h.client(AuditService).listAuditEvents({ target: bot.tokenId, pageSize: 1000 });
    const changes = events
      .filter((e) => e.outcome === "ok" && (e.action === "token.revoke" || e.action === "token.restore"))
      .sort((a, b) => Number(a.targetVersion - b.targetVersion));
    expect(changes.length).toBeGreaterThan(1);
    const last = changes.at(-1)!;
    expect(token!.state).toBe(last.action === "token.revoke" ? TokenState.REVOKED : TokenState.ACTIVE);
  });

  it("loses no update when several clients change role bindings at once (etags)", async () => {
    const environments = Array.from({ length: 8 }, (_, i) => `env-${i}`);
    for (const name of environments) await h.client(EnvironmentService).createEnvironment({ name });
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({ name: "shared-bot" });
    const accounts = h.client(ServiceAccountService);
    // Each client adds its own binding by read-modify-write, retrying when the etag is stale.
    await Promise.all(
      environments.map(async (environment) => {
        for (;;) {
          const { serviceAccount: current } = await accounts.getServiceAccount({ id: serviceAccount!.id });
          try {
            await accounts.updateServiceAccount({
              serviceAccount: {
                id: current!.id,
                etag: current!.etag,
                roleBindings: [...current!.roleBindings, { role: "viewer", environments: [environment] }],
              },
              updateMask: { paths: ["role_bindings"] },
            });
            return;
          } catch (error) {
            if (ConnectError.from(error).code !== Code.Aborted) throw error;
          }
        }
      }),
    );
    const { serviceAccount: final } = await accounts.getServiceAccount({ id: serviceAccount!.id });
    expect(final!.roleBindings.map((b) => b.environments[0]).sort()).toEqual(environments);
  });
});
