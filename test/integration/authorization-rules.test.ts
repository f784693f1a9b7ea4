// The attack classes of "Authorisation that holds", one test each, against the real service:
// narrowing is absolute (2), environments bound identity operations (3), the last admin stays,
// unauthenticated streams are bounded (5), tokens created during an account's deletion die with
// it, and unknown enum names are refused (9).
import http2 from "node:http2";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../gen/grpc/health/v1/health_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const name of ["staging", "production"]) await h.client(EnvironmentService).createEnvironment({ name });
});
afterAll(() => h.close());

describe("narrowing is absolute (attack 2)", () => {
  it("keeps an admin token narrowed to accounts.read from changing anything", async () => {
    const me = (await h.client(VerifyService).whoAmI({})).identity!;
    const narrowed = await h.client(TokenService).createToken({ accountId: me.principal!.accountId, label: "read", permissions: ["accounts.read"] });
    const target = await h.provision("narrow-target", [{ role: "viewer", allEnvironments: true }]);
    const reader = (s: typeof ServiceAccountService | typeof TokenService) => h.client(s as never, narrowed.secret) as never;
    const accounts = reader(ServiceAccountService) as ReturnType<typeof h.client<typeof ServiceAccountService>>;
    const tokens = reader(TokenService) as ReturnType<typeof h.client<typeof TokenService>>;
    for (const call of [
      () => accounts.deleteServiceAccount({ id: me.principal!.accountId }),
      () => accounts.disableServiceAccount({ id: target.accountId }),
      () => accounts.updateServiceAccount({ serviceAccount: { id: target.accountId, owner: "x" }, updateMask: { paths: ["owner"] } }),
      () => tokens.revokeToken({ id: target.tokenId }),
      () => tokens.createToken({ accountId: target.accountId, label: "x" }),
    ]) {
      expect((await rejection(call())).code).toBe(Code.PermissionDenied);
    }
    await expect(accounts.getServiceAccount({ id: target.accountId })).resolves.toBeDefined();
  });
});

describe("environments bound identity operations (attack 3)", () => {
  it("keeps a staging developer to staging accounts", async () => {
    const dev = await h.provision("staging-dev", [{ role: "developer", environments: ["staging"] }]);
    const prod = await h.provision("prod-bot", [{ role: "viewer", environments: ["production"] }]);
    const admin = await h.provision("second-admin", [{ role: "admin", allEnvironments: true }]);
    const stagingBot = await h.provision("staging-bot", [{ role: "viewer", environments: ["staging"] }]);
    const accounts = h.client(ServiceAccountService, dev.token);
    const tokens = h.client(TokenService, dev.token);
    for (const id of [prod.accountId, admin.accountId]) {
      for (const call of [
        () => accounts.disableServiceAccount({ id }),
        () => accounts.deleteServiceAccount({ id }),
        () => accounts.updateServiceAccount({ serviceAccount: { id, roleBindings: [] }, updateMask: { paths: ["role_bindings"] } }),
        () => tokens.createToken({ accountId: id, label: "x" }),
      ]) {
        const error = await rejection(call());
        expect([error.code, reasonOf(error)]).toEqual([Code.PermissionDenied, "environment_denied"]);
      }
    }
    expect(reasonOf(await rejection(tokens.revokeToken({ id: admin.tokenId })))).toBe("environment_denied");
    // Lists show only what lies within staging.
    const listed = (await accounts.listServiceAccounts({ pageSize: 1000 })).serviceAccounts.map((a) => a.name);
    expect(listed).toContain("staging-bot");
    expect(listed).not.toContain("prod-bot");
    expect(listed).not.toContain("second-admin");
    // Within its bounds it works.
    await expect(accounts.disableServiceAccount({ id: stagingBot.accountId })).resolves.toBeDefined();
    // An admin token narrowed to staging is bounded the same way.
    const narrowedAdmin = await h.client(TokenService).createToken({ accountId: admin.accountId, label: "staging", environments: ["staging"] });
    const error = await rejection(h.client(ServiceAccountService, narrowedAdmin.secret).deleteServiceAccount({ id: prod.accountId }));
    expect([error.code, reasonOf(error)]).toEqual([Code.PermissionDenied, "environment_denied"]);
  });
});

describe("designations end when a role widens (rule 4)", () => {
  it("does not let a manager of an account bound to a widened role mint its new access", async () => {
    await h.client(RoleService).createRole({ name: "ci-runner", permissions: ["deploy:run"] });
    const runner = await h.provision("ci-runner-bot", [{ role: "ci-runner", allEnvironments: true }]);
    const manager = await h.provision("runner-manager", [{ role: "developer", allEnvironments: true }]);
    const tokens = h.client(TokenService, manager.token);
    expect(reasonOf(await rejection(tokens.createToken({ accountId: runner.accountId, label: "x" })))).toBe("superior");
    await h.client(ServiceAccountService).updateServiceAccount({
      serviceAccount: { id: runner.accountId, managerAccountIds: [manager.accountId] },
      updateMask: { paths: ["manager_account_ids"] },
    });
    await expect(tokens.createToken({ accountId: runner.accountId, label: "managed" })).resolves.toBeDefined();
    await h.client(RoleService).updateRole({ role: { name: "ci-runner", permissions: ["deploy:run", "*"] }, updateMask: { paths: ["permissions"] } });
    expect(reasonOf(await rejection(tokens.createToken({ accountId: runner.accountId, label: "now-admin" })))).toBe("superior");
    const { serviceAccount } = await h.client(ServiceAccountService).getServiceAccount({ id: runner.accountId });
    expect(serviceAccount!.managerAccountIds).toEqual([]);
  });
});

describe("the last admin stays", () => {
  it("refuses to disable, delete or demote the last active full admin", async () => {
    const solo = await startHarness();
    try {
      const me = (await solo.client(VerifyService).whoAmI({})).identity!.principal!.accountId;
      const accounts = solo.client(ServiceAccountService);
      for (const call of [
        () => accounts.disableServiceAccount({ id: me }),
        () => accounts.deleteServiceAccount({ id: me }),
        () => accounts.updateServiceAccount({
          serviceAccount: { id: me, roleBindings: [{ role: "developer", allEnvironments: true }] },
          updateMask: { paths: ["role_bindings"] },
        }),
      ]) {
        const error = await rejection(call());
        expect([error.code, reasonOf(error)]).toEqual([Code.FailedPrecondition, "last_admin"]);
      }
      const other = await solo.provision("other-admin", [{ role: "admin", allEnvironments: true }]);
      await expect(accounts.disableServiceAccount({ id: me })).resolves.toBeDefined();
      const last = await rejection(solo.client(ServiceAccountService, other.token).deleteServiceAccount({ id: other.accountId }));
      expect(reasonOf(last)).toBe("last_admin");
    } finally {
      await solo.close();
    }
  });
});

describe("the last admin stays, under concurrency too", () => {
  it("never lets two admins remove each other at once", async () => {
    const solo = await startHarness();
    try {
      const admins = solo.mongo.db(solo.dbName).collection("accounts");
      const activeFullAdmins = () =>
        admins.countDocuments({ org: "acme", status: "active", roleBindings: { $elemMatch: { role: "admin", allEnvironments: true } } });
      let current = { token: solo.acme.token, accountId: (await solo.client(VerifyService).whoAmI({})).identity!.principal!.accountId };
      for (let round = 0; round < 5; round++) {
        const other = await solo.provision(`rival-${round}`, [{ role: "admin", allEnvironments: true }]);
        const outcomes = await Promise.allSettled([
          solo.client(ServiceAccountService, current.token).deleteServiceAccount({ id: other.accountId }),
          solo.client(ServiceAccountService, other.token).deleteServiceAccount({ id: current.accountId }),
        ]);
        expect(await activeFullAdmins(), JSON.stringify(outcomes.map((o) => o.status))).toBe(1);
        const survivor = await admins.findOne({ org: "acme", status: "active", "roleBindings.role": "admin" });
        current = survivor!._id.toHexString() === other.accountId.slice(3) ? other : current;
      }
    } finally {
      await solo.close();
    }
  });
});

describe("bounded unauthenticated streams (attack 5)", () => {
  it("caps health watches per client", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: h.url }));
    const controller = new AbortController();
    // Ten watches held open (each has sent its first status); the eleventh is refused.
    const streams = Array.from({ length: 10 }, () => health.watch({ service: "" }, { signal: controller.signal })[Symbol.asyncIterator]());
    await Promise.all(streams.map((s) => s.next()));
    const refused = health.watch({ service: "" }, { signal: controller.signal })[Symbol.asyncIterator]();
    const error = await rejection(refused.next());
    expect(error.code).toBe(Code.ResourceExhausted);
    controller.abort();
  });
});

describe("smaller holes (attack 9)", () => {
  it("revokes a token created while its account was being deleted", async () => {
    const bot = await h.provision("racing-bot", [{ role: "viewer", allEnvironments: true }]);
    const creates = Array.from({ length: 10 }, (_, i) => h.client(TokenService).createToken({ accountId: bot.accountId, label: `race-${i}` }));
    const deleted = h.client(ServiceAccountService).deleteServiceAccount({ id: bot.accountId });
    await Promise.allSettled([...creates, deleted]);
    const left = await h.mongo
      .db(h.dbName)
      .collection("tokens")
      .countDocuments({ revokeTime: null, accountId: { $exists: true }, label: /^race-/ });
    expect(left).toBe(0);
  });

  it("refuses an unknown enum name instead of ignoring the filter", async () => {
    const session = http2.connect(h.url);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/tessera.identity.v1.ServiceAccountService/ListServiceAccounts",
        "content-type": "application/json",
        authorization: `Bearer ${h.acme.token}`,
      });
      stream.end(JSON.stringify({ status: "NOPE" }));
      const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
        let code = 0;
        let text = "";
        stream.on("response", (headers) => (code = Number(headers[":status"])));
        stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
        stream.on("end", () => resolve([code, text]));
        stream.on("error", reject);
      });
      expect(status).toBe(400);
      expect((JSON.parse(body) as { code: string }).code).toBe("invalid_argument");
    } finally {
      session.close();
    }
  });
});
