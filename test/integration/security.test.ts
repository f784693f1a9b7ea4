// Every RPC against every kind of caller that must be refused: no token, malformed, unknown,
// another organisation, missing permission, and attempts to hand out access one lacks.
import { Code } from "@connectrpc/connect";
import { clientsOver, type TesseraClient } from "../../client/client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { issueToken } from "../../services/identity/domain/token-format.ts";
import { reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
// Resources of org acme that the calls below act on.
let target: { accountId: string; tokenId: string; secret: string };
// Tokens that were good once: each must be refused with its reason, and the refusal audited.
const refusedTokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  await h.client(EnvironmentService).createEnvironment({ name: "production" });
  await h.client(EnvironmentService).createEnvironment({ name: "unused" });
  await h.client(RoleService).createRole({ name: "auditor", permissions: ["audit.read"] });
  const provisioned = await h.provision("target-bot", [{ role: "viewer", allEnvironments: true }]);
  target = { accountId: provisioned.accountId, tokenId: provisioned.tokenId, secret: provisioned.token };

  const tokens = h.client(TokenService);
  const holder = await h.provision("refused-holder", [{ role: "admin", allEnvironments: true }]);
  const expiring = await tokens.createToken({ accountId: holder.accountId, label: "expiring", ttl: { seconds: 1n } });
  const revoked = await tokens.createToken({ accountId: holder.accountId, label: "revoked" });
  await tokens.revokeToken({ id: revoked.token!.id });
  const elsewhere = await tokens.createToken({ accountId: holder.accountId, label: "billing", audiences: ["billing"] });
  const disabled = await h.provision("disabled-holder", [{ role: "admin", allEnvironments: true }]);
  await h.client(ServiceAccountService).disableServiceAccount({ id: disabled.accountId });
  Object.assign(refusedTokens, {
    expired: expiring.secret,
    revoked: revoked.secret,
    account_disabled: disabled.token,
    audience_mismatch: elsewhere.secret,
  });
  await new Promise((r) => setTimeout(r, 1100));
});

const failedAuthentications = () => h.mongo.db(h.dbName).collection("audit_events").countDocuments({ action: "auth.failed" });
afterAll(() => h.close());

type Clients = TesseraClient;

function clients(token: string | null): Clients {
  return clientsOver(h.transport(token));
}

interface Rpc {
  name: string;
  call(c: Clients): Promise<unknown>;
  /** Names a resource of acme by id or name: another org must get NOT_FOUND. */
  targeted: boolean;
  /** Open to every authenticated caller. */
  open?: boolean;
}

const rpcs: Rpc[] = [
  { name: "CreateServiceAccount", targeted: false, call: (c) => c.accounts.createServiceAccount({ name: "new-bot" }) },
  { name: "GetServiceAccount", targeted: true, call: (c) => c.accounts.getServiceAccount({ id: target.accountId }) },
  { name: "ListServiceAccounts", targeted: false, call: (c) => c.accounts.listServiceAccounts({}) },
  {
    name: "UpdateServiceAccount",
    targeted: true,
    call: (c) =>
      c.accounts.updateServiceAccount({ serviceAccount: { id: target.accountId, owner: "x" }, updateMask: { paths: ["owner"] } }),
  },
  { name: "DisableServiceAccount", targeted: true, call: (c) => c.accounts.disableServiceAccount({ id: target.accountId }) },
  { name: "EnableServiceAccount", targeted: true, call: (c) => c.accounts.enableServiceAccount({ id: target.accountId }) },
  { name: "DeleteServiceAccount", targeted: true, call: (c) => c.accounts.deleteServiceAccount({ id: target.accountId }) },
  { name: "CreateToken", targeted: true, call: (c) => c.tokens.createToken({ accountId: target.accountId, label: "x" }) },
  { name: "GetToken", targeted: true, call: (c) => c.tokens.getToken({ id: target.tokenId }) },
  { name: "ListTokens", targeted: true, call: (c) => c.tokens.listTokens({ accountId: target.accountId }) },
  { name: "RotateToken", targeted: true, call: (c) => c.tokens.rotateToken({ id: target.tokenId }) },
  { name: "RevokeToken", targeted: true, call: (c) => c.tokens.revokeToken({ id: target.tokenId }) },
  { name: "RestoreToken", targeted: true, call: (c) => c.tokens.restoreToken({ id: target.tokenId }) },
  { name: "DeleteToken", targeted: true, call: (c) => c.tokens.deleteToken({ id: target.tokenId }) },
  { name: "Verify", targeted: false, call: (c) => c.verify.verify({ token: target.secret }) },
  { name: "WhoAmI", targeted: false, open: true, call: (c) => c.verify.whoAmI({}) },
  { name: "ListRoles", targeted: false, open: true, call: (c) => c.roles.listRoles({}) },
  { name: "CreateRole", targeted: false, call: (c) => c.roles.createRole({ name: "new-role", permissions: ["accounts.read"] }) },
  {
    name: "UpdateRole",
    targeted: true,
    call: (c) => c.roles.updateRole({ role: { name: "auditor", description: "x" }, updateMask: { paths: ["description"] } }),
  },
  { name: "DeleteRole", targeted: true, call: (c) => c.roles.deleteRole({ name: "auditor" }) },
  { name: "ListEnvironments", targeted: false, open: true, call: (c) => c.environments.listEnvironments({}) },
  { name: "CreateEnvironment", targeted: false, call: (c) => c.environments.createEnvironment({ name: "new-env" }) },
  { name: "DeleteEnvironment", targeted: true, call: (c) => c.environments.deleteEnvironment({ name: "unused" }) },
  { name: "ListAuditEvents", targeted: false, call: (c) => c.audit.listAuditEvents({}) },
  { name: "GetOrganization", targeted: false, open: true, call: (c) => c.organization.getOrganization({}) },
  {
    name: "UpdateOrganization",
    targeted: false,
    call: (c) => c.organization.updateOrganization({ organization: {}, updateMask: { paths: ["token_policy"] } }),
  },
];

describe.each(rpcs)("$name", (rpc) => {
  it("refuses a call without a token", async () => {
    const error = await rejection(rpc.call(clients(null)));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(reasonOf(error)).toBe("missing");
  });

  it("refuses expired, revoked, disabled-account and wrong-audience tokens with their reason, audited", async () => {
    const before = await failedAuthentications();
    for (const [reason, token] of Object.entries(refusedTokens)) {
      const error = await rejection(rpc.call(clients(token)));
      expect([error.code, reasonOf(error)], reason).toEqual([Code.Unauthenticated, reason]);
    }
    expect(await failedAuthentications()).toBe(before + Object.keys(refusedTokens).length);
  });

  it("refuses a malformed token and an unknown one", async () => {
    const malformed = await rejection(rpc.call(clients("tsr_definitely-not-valid")));
    expect([malformed.code, reasonOf(malformed)]).toEqual([Code.Unauthenticated, "malformed"]);
    const unknown = await rejection(rpc.call(clients(issueToken("tsr").secret)));
    expect([unknown.code, reasonOf(unknown)]).toEqual([Code.Unauthenticated, "unknown"]);
  });

  if (!rpc.open) {
    it("refuses a caller without the permission", async () => {
      const nobody = await h.provision(`nobody-${rpc.name.toLowerCase()}`, []);
      const error = await rejection(rpc.call(clients(nobody.token)));
      expect(error.code).toBe(Code.PermissionDenied);
    });
  }

  if (rpc.targeted) {
    it("answers NOT_FOUND to another organisation", async () => {
      const error = await rejection(rpc.call(clients(h.globex.token)));
      expect(error.code).toBe(Code.NotFound);
    });
  }
});

describe("tenant isolation in lists", () => {
  it("shows another organisation none of acme's accounts, tokens or audit events", async () => {
    const other = clients(h.globex.token);
    const accounts = await other.accounts.listServiceAccounts({});
    expect(accounts.serviceAccounts.map((a) => a.org)).toEqual(["globex"]);
    const tokens = await other.tokens.listTokens({});
    expect(tokens.tokens.map((t) => t.id)).not.toContain(target.tokenId);
    const events = await other.audit.listAuditEvents({ pageSize: 1000 });
    expect(events.events.every((e) => e.org === "globex")).toBe(true);
    const environments = await other.environments.listEnvironments({});
    expect(environments.environments).toHaveLength(0);
  });
});

describe("no privilege escalation", () => {
  let developer: string;
  let adminBot: string;
  beforeAll(async () => {
    developer = (await h.provision("escalating-dev", [{ role: "developer", allEnvironments: true }])).token;
    adminBot = (await h.provision("admin-bot", [{ role: "admin", allEnvironments: true }])).accountId;
  });

  const expectEscalation = async (call: Promise<unknown>, reason = "escalation") => {
    const error = await rejection(call);
    expect(error.code).toBe(Code.PermissionDenied);
    expect(reasonOf(error)).toBe(reason);
  };

  it("refuses to create an account with roles the caller lacks", async () => {
    await expectEscalation(
      clients(developer).accounts.createServiceAccount({ name: "sneaky-admin", roleBindings: [{ role: "admin", allEnvironments: true }] }),
    );
    await expectEscalation(
      clients(developer).accounts.createServiceAccount({ name: "sneaky-auditor", roleBindings: [{ role: "auditor", allEnvironments: true }] }),
    );
  });

  it("allows handing out what the caller holds", async () => {
    await expect(
      clients(developer).accounts.createServiceAccount({ name: "fine-bot", roleBindings: [{ role: "viewer", environments: ["production"] }] }),
    ).resolves.toBeDefined();
  });

  it("refuses to bind wider roles onto an existing account", async () => {
    const { accountId } = await h.provision("growing-bot", [{ role: "viewer", allEnvironments: true }]);
    await expectEscalation(
      clients(developer).accounts.updateServiceAccount({
        serviceAccount: { id: accountId, roleBindings: [{ role: "admin", allEnvironments: true }] },
        updateMask: { paths: ["role_bindings"] },
      }),
    );
  });

  it("refuses to take over a more powerful account as its manager", async () => {
    await expectEscalation(
      clients(developer).accounts.updateServiceAccount({
        serviceAccount: { id: adminBot, managerRoles: ["developer"] },
        updateMask: { paths: ["manager_roles"] },
      }),
      "superior",
    );
  });

  it("refuses to mint, rotate, revoke or restore tokens of a more powerful account", async () => {
    await expectEscalation(clients(developer).tokens.createToken({ accountId: adminBot, label: "steal" }), "superior");
    const minted = await h.client(TokenService).createToken({ accountId: adminBot, label: "real" });
    await expectEscalation(clients(developer).tokens.rotateToken({ id: minted.token!.id }), "superior");
    await expectEscalation(clients(developer).tokens.revokeToken({ id: minted.token!.id }), "superior");
    await h.client(TokenService).revokeToken({ id: minted.token!.id });
    await expectEscalation(clients(developer).tokens.restoreToken({ id: minted.token!.id }), "superior");
  });

  it("refuses to disable, delete or re-enable a more powerful account", async () => {
    await expectEscalation(clients(developer).accounts.disableServiceAccount({ id: adminBot }), "superior");
    await expectEscalation(clients(developer).accounts.deleteServiceAccount({ id: adminBot }), "superior");
    await h.client(ServiceAccountService).disableServiceAccount({ id: adminBot });
    await expectEscalation(clients(developer).accounts.enableServiceAccount({ id: adminBot }), "superior");
  });

  it("refuses roles with permissions the caller lacks", async () => {
    const roleMaker = await h.provision("role-maker", [{ role: "auditor", allEnvironments: true }]);
    await h.client(RoleService).createRole({ name: "role-writer", permissions: ["roles.write", "accounts.read"] });
    const maker = await h.provision("role-writer-bot", [{ role: "role-writer", allEnvironments: true }]);
    await expectEscalation(clients(maker.token).roles.createRole({ name: "super", permissions: ["*"] }));
    await expectEscalation(
      clients(maker.token).roles.updateRole({ role: { name: "auditor", permissions: ["audit.read", "tokens.write"] }, updateMask: { paths: ["permissions"] } }),
    );
    await expect(clients(maker.token).roles.createRole({ name: "reader", permissions: ["accounts.read"] })).resolves.toBeDefined();
    expect(roleMaker.accountId).toMatch(/^sa_/);
  });
});

describe("managers and creators", () => {
  it("lets a designated manager act on an account it could not otherwise, through the permission its token carries", async () => {
    await h.client(RoleService).createRole({ name: "rotator", permissions: ["accounts.read", "accounts.write", "tokens.write", "tokens.revoke"] });
    const lead = await h.provision("team-lead", [{ role: "rotator", allEnvironments: true }]);
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({
      name: "managed-bot",
      roleBindings: [{ role: "developer", environments: ["production"] }, { role: "auditor", environments: ["production"] }],
      managerAccountIds: [lead.accountId],
    });
    const asManager = clients(lead.token);
    const created = await asManager.tokens.createToken({ accountId: serviceAccount!.id, label: "by-manager" });
    await asManager.tokens.rotateToken({ id: created.token!.id, gracePeriod: { seconds: 60n } });
    await asManager.tokens.revokeToken({ id: created.token!.id });
    await asManager.accounts.disableServiceAccount({ id: serviceAccount!.id });

    // The same role without the designation: the account holds audit.read, which the stranger lacks.
    const stranger = await h.provision("stranger", [{ role: "rotator", allEnvironments: true }]);
    const refused = await rejection(clients(stranger.token).tokens.createToken({ accountId: serviceAccount!.id, label: "x" }));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.PermissionDenied, "superior"]);

    // A manager's token narrowed to reads is a read-only token (attack 2).
    const narrowed = await h.client(TokenService).createToken({ accountId: lead.accountId, label: "read-only", permissions: ["accounts.read"] });
    const denied = await rejection(clients(narrowed.secret).accounts.deleteServiceAccount({ id: serviceAccount!.id }));
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("counts binding a role that names managers as designating them: a stranger cannot confer the standing on itself or a sock puppet", async () => {
    const { serviceAccount: managed } = await h.client(ServiceAccountService).createServiceAccount({
      name: "managed-by-role",
      roleBindings: [{ role: "developer", allEnvironments: true }, { role: "auditor", allEnvironments: true }],
      managerRoles: ["developer"],
    });
    // Holds the developer role's permissions under another name, and not audit.read.
    await h.client(RoleService).createRole({ name: "developer-alike", permissions: ["accounts.read", "accounts.write", "tokens.write", "tokens.revoke"] });
    const stranger = await h.provision("role-stranger", [{ role: "developer-alike", allEnvironments: true }]);
    const asStranger = clients(stranger.token);
    expect(reasonOf(await rejection(asStranger.tokens.createToken({ accountId: managed!.id, label: "x" })))).toBe("superior");
    // A new account bound to the managing role would be a manager: that designation needs audit.read.
    const puppet = await rejection(asStranger.accounts.createServiceAccount({ name: "sock-puppet", roleBindings: [{ role: "developer", allEnvironments: true }] }));
    expect([puppet.code, reasonOf(puppet)]).toEqual([Code.PermissionDenied, "escalation"]);
    expect(puppet.rawMessage).not.toContain("managed-by-role");
    // So is binding it to itself.
    const self = await rejection(
      asStranger.accounts.updateServiceAccount({
        serviceAccount: { id: stranger.accountId, roleBindings: [{ role: "developer-alike", allEnvironments: true }, { role: "developer", allEnvironments: true }] },
        updateMask: { paths: ["role_bindings"] },
      }),
    );
    expect(reasonOf(self)).toBe("escalation");
    expect(reasonOf(await rejection(asStranger.tokens.createToken({ accountId: managed!.id, label: "x" })))).toBe("superior");
    // An administrator may bind it: it holds everything the managed account does.
    await h.client(ServiceAccountService).createServiceAccount({ name: "real-manager", roleBindings: [{ role: "developer", allEnvironments: true }] });
  });

  it("never makes an account its own manager: a narrowed token cannot mint a wider one for its account", async () => {
    const { serviceAccount: bot } = await h.client(ServiceAccountService).createServiceAccount({
      name: "self-managed",
      roleBindings: [{ role: "developer", allEnvironments: true }],
      managerRoles: ["developer"],
    });
    const narrowed = await h.client(TokenService).createToken({ accountId: bot!.id, label: "rotate-only", permissions: ["tokens.write"] });
    const refused = await rejection(clients(narrowed.secret).tokens.createToken({ accountId: bot!.id, label: "wider" }));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.PermissionDenied, "superior"]);
  });

  it("gives creators no standing of their own", async () => {
    const creator = await h.provision("creator", [{ role: "developer", allEnvironments: true }]);
    const own = await clients(creator.token).accounts.createServiceAccount({ name: "creators-bot" });
    await h.client(ServiceAccountService).updateServiceAccount({
      serviceAccount: { id: creator.accountId, roleBindings: [{ role: "viewer", allEnvironments: true }] },
      updateMask: { paths: ["role_bindings"] },
    });
    const error = await rejection(clients(creator.token).tokens.createToken({ accountId: own.serviceAccount!.id, label: "not-mine" }));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});
