import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, reasonOf, rejection, verdict } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const roles = () => h.client(RoleService);
const environments = () => h.client(EnvironmentService);

describe("RoleService", () => {
  it("lists built-in roles beside custom ones", async () => {
    await roles().createRole({ name: "deployer", description: "Ships code", permissions: ["deploy:write", "accounts.read"] });
    const { roles: listed } = await roles().listRoles({});
    const names = listed.map((r) => r.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["admin", "developer", "security-analyst", "verifier", "viewer", "deployer"]));
    expect(listed.find((r) => r.name === "deployer")).toMatchObject({ builtIn: false, permissions: ["deploy:write", "accounts.read"] });
    expect(listed.find((r) => r.name === "admin")!.builtIn).toBe(true);
    const firstPage = await roles().listRoles({ pageSize: 2 });
    const secondPage = await roles().listRoles({ pageSize: 2, pageToken: firstPage.nextPageToken });
    expect([...firstPage.roles, ...secondPage.roles].map((r) => r.name)).toEqual(names.slice(0, 4));
  });

  it("reports application permissions of custom roles through Verify", async () => {
    const bot = await h.provision("shipper", [{ role: "deployer", allEnvironments: true }]);
    const gateway = await h.provision("role-gateway", [{ role: "verifier", allEnvironments: true }]);
    const response = await h.client(VerifyService, gateway.token).verify({ token: bot.token, permission: "deploy:write" });
    expect(verdict(response)).toBe("valid");
    const { identity } = response;
    expect(identity!.permissions).toContain("deploy:write");
  });

  it("applies a role update to the accounts bound to it", async () => {
    await roles().createRole({ name: "mutable", permissions: ["accounts.read"] });
    const bot = await h.provision("mutable-bot", [{ role: "mutable", allEnvironments: true }]);
    await roles().updateRole({ role: { name: "mutable", permissions: ["audit.read"] }, updateMask: { paths: ["permissions"] } });
    const { identity } = await h.client(VerifyService, bot.token).whoAmI({});
    expect(identity!.permissions).toEqual(["audit.read"]);
  });

  it("refuses to change built-in roles or to delete a bound role", async () => {
    expect(reasonOf(await rejection(roles().deleteRole({ name: "admin" })))).toBe("built_in_role");
    expect(
      reasonOf(await rejection(roles().updateRole({ role: { name: "viewer", description: "x" }, updateMask: { paths: ["description"] } }))),
    ).toBe("built_in_role");
    expect((await rejection(roles().createRole({ name: "admin", permissions: ["*"] }))).code).toBe(Code.AlreadyExists);
    const bound = await rejection(roles().deleteRole({ name: "deployer" }));
    expect([bound.code, reasonOf(bound)]).toEqual([Code.FailedPrecondition, "role_in_use"]);
    await roles().createRole({ name: "temporary", permissions: ["accounts.read"] });
    await roles().deleteRole({ name: "temporary" });
    expect((await rejection(roles().deleteRole({ name: "temporary" }))).code).toBe(Code.NotFound);
  });

  it.each([
    ["name", { name: "Bad Name", permissions: ["deploy:write"] }],
    ["permissions", { name: "empty-role", permissions: [] }],
    ["permissions[1]", { name: "bad-perm", permissions: ["deploy:write", "UPPER"] }],
  ])("rejects a bad %s", async (field, input) => {
    const error = await rejection(roles().createRole(input));
    expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, field]);
  });
});

describe("EnvironmentService", () => {
  it("creates, lists and deletes environments, refusing while referenced", async () => {
    await environments().createEnvironment({ name: "qa", description: "Quality assurance" });
    await environments().createEnvironment({ name: "canary" });
    expect((await rejection(environments().createEnvironment({ name: "qa" }))).code).toBe(Code.AlreadyExists);
    const { environments: listed } = await environments().listEnvironments({});
    expect(listed.map((e) => e.name)).toEqual(["canary", "qa"]);

    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({
      name: "qa-bot",
      roleBindings: [{ role: "viewer", environments: ["qa"] }],
    });
    const inUse = await rejection(environments().deleteEnvironment({ name: "qa" }));
    expect([inUse.code, reasonOf(inUse)]).toEqual([Code.FailedPrecondition, "environment_in_use"]);

    const wide = await h.provision("canary-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).createToken({ accountId: wide.accountId, label: "canary", environments: ["canary"] });
    expect(reasonOf(await rejection(environments().deleteEnvironment({ name: "canary" })))).toBe("environment_in_use");

    await h.client(ServiceAccountService).deleteServiceAccount({ id: serviceAccount!.id });
    await environments().deleteEnvironment({ name: "qa" });
    expect((await rejection(environments().deleteEnvironment({ name: "qa" }))).code).toBe(Code.NotFound);
  });
});
