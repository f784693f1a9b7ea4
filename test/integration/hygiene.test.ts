// Hygiene: the report lists what deserves attention (never-expiring, unused and expiring tokens,
// idle and administrator accounts, roles only idle accounts hold) within the caller's bounds, and
// the organisation's policy revokes tokens unused too long, audited. Age is made by moving a
// token's or account's times back in the database: nobody waits 30 days in a test.
import { Code } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiId } from "../../client/ids.ts";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { HygieneService } from "../../gen/tessera/identity/v1/hygiene_pb.ts";
import { OrganizationService } from "../../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { TokenService, TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, reasonOf, rejection, verdict } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { cli, tsv } from "../cli/run.ts";

let h: Harness;
const day = 86_400_000;

beforeAll(async () => {
  h = await startHarness({ env: { TESSERA_HYGIENE_SWEEP_MS: "200" } });
});
afterAll(() => h.close());

/** Makes a token (and its account) look created `days` ago and never used since. */
async function age(provisioned: { accountId: string; tokenId: string }, days: number) {
  const db = h.mongo.db(h.dbName);
  const then = new Date(Date.now() - days * day);
  await db.collection("tokens").updateOne({ _id: new ObjectId(parseApiId("tok", provisioned.tokenId)) }, { $set: { createTime: then, lastUsedTime: null } });
  await db.collection("accounts").updateOne({ _id: new ObjectId(parseApiId("sa", provisioned.accountId)) }, { $set: { createTime: then, lastUsedTime: null } });
}

const verdictOf = async (token: string) => verdict(await h.client(VerifyService).verify({ token }));
const ids = (findings: { tokenId?: string; accountId?: string }[]) => findings.map((f) => f.tokenId ?? f.accountId);

describe("the hygiene report", () => {
  it("lists never-expiring, unused and expiring tokens, idle and admin accounts, and roles only idle accounts hold", async () => {
    await h.client(RoleService).createRole({ name: "dormant", permissions: ["reports:read"] });
    await h.client(RoleService).createRole({ name: "superuser", permissions: ["*"] });
    const idle = await h.provision("idle-bot", [{ role: "dormant", allEnvironments: true }]);
    await age(idle, 40);
    const busy = await h.provision("busy-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(VerifyService, busy.token).whoAmI({});
    const root = await h.provision("root-bot", [{ role: "superuser", allEnvironments: true }]);
    const { token: expiring } = await h.client(TokenService).createToken({ accountId: busy.accountId, label: "short", ttl: { seconds: 2n * 86_400n } });

    const report = await h.client(HygieneService).getHygieneReport({});
    expect([report.unusedDays, report.expiringDays, report.truncated]).toEqual([30, 7, false]);
    expect(ids(report.unusedTokens)).toEqual([idle.tokenId]);
    expect(ids(report.tokensWithoutExpiry)).toEqual(expect.arrayContaining([idle.tokenId, busy.tokenId, root.tokenId]));
    expect(ids(report.tokensWithoutExpiry)).not.toContain(expiring!.id);
    expect(ids(report.expiringTokens)).toEqual([expiring!.id]);
    expect(report.unusedTokens[0]).toMatchObject({ accountName: "idle-bot", label: "test" });
    expect(ids(report.idleAccounts)).toEqual([idle.accountId]);
    expect(report.adminAccounts.map((a) => [a.name, a.roles])).toEqual([
      ["admin", ["admin"]],
      ["root-bot", ["superuser"]],
    ]);
    expect(report.unexercisedRoles).toEqual([expect.objectContaining({ role: "dormant", accountCount: 1 })]);
    // The window is the caller's: three days still catches the token expiring in two.
    expect(ids((await h.client(HygieneService).getHygieneReport({ expiringDays: 3 })).expiringTokens)).toEqual([expiring!.id]);
  });

  it("covers only the accounts within the caller's bounds (rule 2)", async () => {
    await h.client(EnvironmentService).createEnvironment({ name: "staging" });
    const viewer = await h.provision("report-viewer", [{ role: "viewer", environments: ["staging"] }]);
    const report = await h.client(HygieneService, viewer.token).getHygieneReport({});
    expect(report.adminAccounts).toEqual([]);
    expect(ids(report.tokensWithoutExpiry)).not.toContain(h.acme.tokenId);
    expect((await h.client(HygieneService, h.globex.token).getHygieneReport({})).idleAccounts).toEqual([]);
  });

  it("refuses bad windows naming the field, and callers without accounts.read", async () => {
    for (const [request, field] of [
      [{ unusedDays: 400 }, "unused_days"],
      [{ expiringDays: -1 }, "expiring_days"],
    ] as const) {
      const error = await rejection(h.client(HygieneService).getHygieneReport(request));
      expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, field]);
    }
    const verifier = await h.provision("report-verifier", [{ role: "verifier", allEnvironments: true }]);
    expect((await rejection(h.client(HygieneService, verifier.token).getHygieneReport({}))).code).toBe(Code.PermissionDenied);
  });
});

describe("revoking unused tokens", () => {
  const organization = () => h.client(OrganizationService);
  const setPolicy = (seconds: bigint | undefined) =>
    organization().updateOrganization({ organization: { tokenPolicy: { revokeUnusedAfter: seconds === undefined ? undefined : { seconds } } }, updateMask: { paths: ["token_policy.revoke_unused_after"] } });

  it("can be set only by a caller holding everything everywhere: it revokes superiors' tokens too (rule 3)", async () => {
    await h.client(RoleService).createRole({ name: "settings", permissions: ["org.write"] });
    const ops = await h.provision("settings-bot", [{ role: "settings", allEnvironments: true }]);
    const error = await rejection(h.client(OrganizationService, ops.token).updateOrganization({
      organization: { tokenPolicy: { revokeUnusedAfter: { seconds: 86_400n } } },
      updateMask: { paths: ["token_policy.revoke_unused_after"] },
    }));
    expect([error.code, reasonOf(error)]).toEqual([Code.PermissionDenied, "escalation"]);
    // The rest of the policy stays theirs to set.
    await h.client(OrganizationService, ops.token).updateOrganization({ organization: { tokenPolicy: { maxTokenTtl: { seconds: 86_400n * 365n } } }, updateMask: { paths: ["token_policy.max_token_ttl"] } });
    await h.client(OrganizationService).updateOrganization({ organization: { tokenPolicy: {} }, updateMask: { paths: ["token_policy.max_token_ttl"] } });
  });

  it("is off by default, and refuses less than a day", async () => {
    expect((await organization().getOrganization({})).organization!.tokenPolicy!.revokeUnusedAfter).toBeUndefined();
    const error = await rejection(setPolicy(3600n));
    expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, "organization.token_policy.revoke_unused_after"]);
  });

  it("revokes tokens unused longer than the policy says, audited, and spares the ones in use", async () => {
    const stale = await h.provision("stale-bot", [{ role: "viewer", allEnvironments: true }]);
    const fresh = await h.provision("fresh-bot", [{ role: "viewer", allEnvironments: true }]);
    await age(stale, 3);
    await age(fresh, 3);
    await h.client(VerifyService, fresh.token).whoAmI({});
    await new Promise((resolve) => setTimeout(resolve, 500)); // the use is recorded (flush every 200 ms)
    await setPolicy(2n * 86_400n);
    try {
      // Read with GetToken: a Verify of the token would be a use of it.
      const deadline = Date.now() + 10_000;
      let token = (await h.client(TokenService).getToken({ id: stale.tokenId })).token!;
      while (Date.now() < deadline && token.state !== TokenState.REVOKED) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        token = (await h.client(TokenService).getToken({ id: stale.tokenId })).token!;
      }
      expect([token.state, token.revokeReason]).toEqual([TokenState.REVOKED, "unused"]);
      expect(await verdictOf(stale.token)).toBe("revoked");
      expect(await verdictOf(fresh.token)).toBe("valid");
      const { events } = await h.client(AuditService).listAuditEvents({ action: "token.revoke", target: stale.tokenId });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ channel: "system", outcome: "ok" });
      expect(events[0]!.detail).toContain("organisation policy");
    } finally {
      await setPolicy(undefined);
    }
  });
});

describe("the CLI", () => {
  const tessera = cli(
    () => h.url,
    () => h.acme.token,
  );

  it("prints the report, and sets and clears the unused-token policy", async () => {
    const report = await tessera(["--json", "hygiene", "--unused-days", "10"]);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ unusedDays: 10, expiringDays: 7 });
    expect((await tessera(["hygiene", "--unused-days", "0"])).code).toBe(2);
    const set = await tessera(["org", "update", "--revoke-unused-after", "90d"]);
    expect(set.code, set.stderr).toBe(0);
    expect(tsv(set.stdout)[0]).toMatchObject({ revokeUnusedAfter: "90d" });
    expect(tsv((await tessera(["org", "update", "--revoke-unused-after", "none"])).stdout)[0]).toMatchObject({ revokeUnusedAfter: "none" });
  });
});
