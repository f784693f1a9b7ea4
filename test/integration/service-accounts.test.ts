import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService, ServiceAccountStatus } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.client(EnvironmentService).createEnvironment({ name: "production" });
  await h.client(EnvironmentService).createEnvironment({ name: "staging" });
});
afterAll(() => h.close());


describe("ServiceAccountService", () => {
  const accounts = () => h.client(ServiceAccountService);

  it("creates, reads, lists and updates an account", async () => {
    const { serviceAccount: created } = await accounts().createServiceAccount({
      name: "ci-bot",
      description: "Deploys from CI",
      owner: "platform",
      roleBindings: [{ role: "developer", environments: ["staging"] }],
    });
    expect(created).toMatchObject({
      name: "ci-bot",
      org: "acme",
      owner: "platform",
      status: ServiceAccountStatus.ACTIVE,
      activeTokenCount: 0,
      createdBy: { accountName: "admin", org: "acme" },
    });
    expect(created!.id).toMatch(/^sa_[0-9a-f]{24}$/);

    const { serviceAccount: read } = await accounts().getServiceAccount({ id: created!.id });
    expect(read!.roleBindings).toEqual([expect.objectContaining({ role: "developer", allEnvironments: false, environments: ["staging"] })]);

    const { serviceAccount: updated } = await accounts().updateServiceAccount({
      serviceAccount: { id: created!.id, description: "Deploys everything", owner: "ignored" },
      updateMask: { paths: ["description"] },
    });
    expect(updated).toMatchObject({ description: "Deploys everything", owner: "platform" });
    expect(updated!.etag).not.toBe(read!.etag);

    const list = await accounts().listServiceAccounts({ namePrefix: "ci-" });
    expect(list.serviceAccounts.map((a) => a.name)).toEqual(["ci-bot"]);
  });

  it("refuses a duplicate name, and frees the name when the account is deleted", async () => {
    const { serviceAccount } = await accounts().createServiceAccount({ name: "dup-bot" });
    const error = await rejection(accounts().createServiceAccount({ name: "dup-bot" }));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(fieldOf(error)).toBe("name");
    await accounts().deleteServiceAccount({ id: serviceAccount!.id });
    await expect(accounts().createServiceAccount({ name: "dup-bot" })).resolves.toBeDefined();
    expect((await rejection(accounts().getServiceAccount({ id: serviceAccount!.id }))).code).toBe(Code.NotFound);
  });

  it.each([
    [{ name: "Bad_Name" }, "name"],
    [{ name: "x" }, "name"],
    [{ name: "ok-name", description: "a".repeat(1025) }, "description"],
    [{ name: "ok-name", roleBindings: [{ role: "no-such-role", allEnvironments: true }] }, "role_bindings[0].role"],
    [{ name: "ok-name", roleBindings: [{ role: "viewer" }] }, "role_bindings[0].environments"],
    [{ name: "ok-name", roleBindings: [{ role: "viewer", environments: ["mars"] }] }, "role_bindings"],
    [{ name: "ok-name", managerAccountIds: ["sa_nothex"] }, "manager_account_ids[0]"],
    [{ name: "ok-name", managerAccountIds: ["sa_000000000000000000000000"] }, "manager_account_ids"],
  ])("rejects bad input %j naming the field", async (input, field) => {
    const error = await rejection(accounts().createServiceAccount(input));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(fieldOf(error)).toBe(field);
    const list = await accounts().listServiceAccounts({ namePrefix: "ok-name" });
    expect(list.serviceAccounts).toHaveLength(0);
  });

  it("rejects unknown update-mask paths and stale etags", async () => {
    const { serviceAccount } = await accounts().createServiceAccount({ name: "mask-bot" });
    const unknown = await rejection(
      accounts().updateServiceAccount({ serviceAccount: { id: serviceAccount!.id, name: "renamed" }, updateMask: { paths: ["name"] } }),
    );
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(fieldOf(unknown)).toBe("update_mask");
    await accounts().updateServiceAccount({ serviceAccount: { id: serviceAccount!.id, owner: "a" }, updateMask: { paths: ["owner"] } });
    const stale = await rejection(
      accounts().updateServiceAccount({
        serviceAccount: { id: serviceAccount!.id, owner: "b", etag: serviceAccount!.etag },
        updateMask: { paths: ["owner"] },
      }),
    );
    expect(stale.code).toBe(Code.Aborted);
  });

  it("paginates with page tokens bound to their filters", async () => {
    for (const n of [1, 2, 3, 4, 5]) await accounts().createServiceAccount({ name: `page-bot-${n}` });
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await accounts().listServiceAccounts({ namePrefix: "page-bot-", pageSize: 2, pageToken });
      expect(page.serviceAccounts.length).toBeLessThanOrEqual(2);
      seen.push(...page.serviceAccounts.map((a) => a.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(["page-bot-1", "page-bot-2", "page-bot-3", "page-bot-4", "page-bot-5"]);

    const first = await accounts().listServiceAccounts({ namePrefix: "page-bot-", pageSize: 2 });
    const replayed = await rejection(accounts().listServiceAccounts({ namePrefix: "other", pageToken: first.nextPageToken }));
    expect(replayed.code).toBe(Code.InvalidArgument);
    expect(fieldOf(replayed)).toBe("page_token");
    const bogus = await rejection(accounts().listServiceAccounts({ pageToken: "not-a-token" }));
    expect(fieldOf(bogus)).toBe("page_token");
    expect((await rejection(accounts().listServiceAccounts({ pageSize: -1 }))).code).toBe(Code.InvalidArgument);
  });

  it("filters by status and role", async () => {
    const { serviceAccount } = await accounts().createServiceAccount({
      name: "filter-bot",
      roleBindings: [{ role: "verifier", allEnvironments: true }],
    });
    await accounts().disableServiceAccount({ id: serviceAccount!.id });
    const disabled = await accounts().listServiceAccounts({ status: ServiceAccountStatus.DISABLED });
    expect(disabled.serviceAccounts.map((a) => a.name)).toContain("filter-bot");
    const verifiers = await accounts().listServiceAccounts({ role: "verifier" });
    expect(verifiers.serviceAccounts.map((a) => a.name)).toEqual(["filter-bot"]);
    const active = await accounts().listServiceAccounts({ status: ServiceAccountStatus.ACTIVE });
    expect(active.serviceAccounts.map((a) => a.name)).not.toContain("filter-bot");
  });

  it("disabling stops every token at once and enabling brings them back", async () => {
    const bot = await h.provision("toggle-bot", [{ role: "viewer", allEnvironments: true }]);
    const whoami = () => h.client(VerifyService, bot.token).whoAmI({});
    await expect(whoami()).resolves.toBeDefined();
    await accounts().disableServiceAccount({ id: bot.accountId });
    const error = await rejection(whoami());
    expect(error.code).toBe(Code.Unauthenticated);
    expect(reasonOf(error)).toBe("account_disabled");
    await accounts().enableServiceAccount({ id: bot.accountId });
    await expect(whoami()).resolves.toBeDefined();
  });

  it("deleting revokes every token for good", async () => {
    const bot = await h.provision("doomed-bot", [{ role: "viewer", allEnvironments: true }]);
    const { revokedTokenCount } = await accounts().deleteServiceAccount({ id: bot.accountId });
    expect(revokedTokenCount).toBe(1);
    expect((await rejection(h.client(VerifyService, bot.token).whoAmI({}))).code).toBe(Code.Unauthenticated);
    const { token } = await h.client(TokenService).getToken({ id: bot.tokenId });
    expect(token!.revokeReason).toBe("service account deleted");
    expect((await rejection(accounts().enableServiceAccount({ id: bot.accountId }))).code).toBe(Code.NotFound);
  });

  it("counts active tokens and records last use", async () => {
    const bot = await h.provision("count-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(VerifyService, bot.token).whoAmI({});
    // Use is written in the background, one bulk write per flush interval.
    await vi.waitFor(async () => {
      const { serviceAccount } = await accounts().getServiceAccount({ id: bot.accountId });
      expect(serviceAccount!.lastUsedTime).toBeDefined();
    });
    const { serviceAccount } = await accounts().getServiceAccount({ id: bot.accountId });
    expect(serviceAccount!.activeTokenCount).toBe(1);
    const { token } = await h.client(TokenService).getToken({ id: bot.tokenId });
    expect(token!.lastUsedTime).toBeDefined();
  });

  it("keeps a display name beside the slug name, validated like free text", async () => {
    const { serviceAccount } = await accounts().createServiceAccount({ name: "ci-pipeline", displayName: "CI Pipeline" });
    expect(serviceAccount!.displayName).toBe("CI Pipeline");
    const { serviceAccount: renamed } = await accounts().updateServiceAccount({
      serviceAccount: { id: serviceAccount!.id, displayName: "Deploy pipeline" },
      updateMask: { paths: ["display_name"] },
    });
    expect([renamed!.name, renamed!.displayName]).toEqual(["ci-pipeline", "Deploy pipeline"]);
    const tooLong = await rejection(accounts().createServiceAccount({ name: "long-display", displayName: "x".repeat(101) }));
    expect([tooLong.code, fieldOf(tooLong)]).toEqual([Code.InvalidArgument, "display_name"]);
  });
});
