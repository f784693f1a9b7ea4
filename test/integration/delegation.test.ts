// A delegate (the MCP server) acting for a caller by presenting the caller's own token (token
// exchange): authorised as the caller, never wider, audited with both, and cut off the moment the
// caller's token is. A token id proves nothing.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectTokenHeader } from "../../client/headers.ts";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let mcp: { accountId: string; token: string; tokenId: string };
let caller: { accountId: string; token: string; tokenId: string };
beforeAll(async () => {
  h = await startHarness();
  mcp = await h.provision("mcp-server", [{ role: "mcp-delegate", allEnvironments: true }]);
  caller = await h.provision("assistant", [{ role: "developer", allEnvironments: true }]);
});
afterAll(() => h.close());

const actingFor = (token: string) => ({ headers: { [subjectTokenHeader]: token } });

describe("delegation", () => {
  it("acts as the presented token's holder, on channel mcp", async () => {
    const response = await h.client(VerifyService, mcp.token).whoAmI({}, actingFor(caller.token));
    expect(response.identity!.principal!.accountName).toBe("assistant");
    expect(response.delegate!.accountName).toBe("mcp-server");
    expect(response.channel).toBe("mcp");
  });

  it("audits the caller's token, the delegate's and the channel", async () => {
    const { serviceAccount } = await h
      .client(ServiceAccountService, mcp.token)
      .createServiceAccount({ name: "made-by-assistant" }, actingFor(caller.token));
    expect(serviceAccount!.createdBy!.accountName).toBe("assistant");
    const { events } = await h.client(AuditService).listAuditEvents({ target: serviceAccount!.id });
    expect(events[0]).toMatchObject({
      action: "service_account.create",
      actor: { accountName: "assistant", tokenId: caller.tokenId },
      delegate: { accountName: "mcp-server", tokenId: mcp.tokenId },
      channel: "mcp",
    });
  });

  it("never grants more than the caller holds", async () => {
    const error = await rejection(h.client(AuditService, mcp.token).listAuditEvents({}, actingFor(caller.token)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it("needs identity.delegate", async () => {
    const error = await rejection(h.client(VerifyService, caller.token).whoAmI({}, actingFor(caller.token)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it("takes no token id as proof: the admin's id gives the delegate nothing (attack 1)", async () => {
    const adminTokenId = (await h.client(VerifyService).whoAmI({})).identity!.tokenId;
    const error = await rejection(
      h.client(ServiceAccountService, mcp.token).createServiceAccount(
        { name: "takeover", roleBindings: [{ role: "admin", allEnvironments: true }] },
        { headers: { "x-tessera-act-as": adminTokenId } },
      ),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    // Its own credential alone is only itself: no identity permission beyond delegate and verify.
    const alone = await rejection(h.client(ServiceAccountService, mcp.token).createServiceAccount({ name: "takeover" }));
    expect(alone.code).toBe(Code.PermissionDenied);
    const none = await h.client(ServiceAccountService).listServiceAccounts({ namePrefix: "takeover" });
    expect(none.serviceAccounts).toHaveLength(0);
  });

  it("stops at once when the caller's token is revoked, and says whose token failed", async () => {
    const victim = await h.provision("short-lived", [{ role: "viewer", allEnvironments: true }]);
    await h.client(VerifyService, mcp.token).whoAmI({}, actingFor(victim.token));
    await h.client(TokenService).revokeToken({ id: victim.tokenId });
    const error = await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingFor(victim.token)));
    expect([error.code, reasonOf(error), fieldOf(error)]).toEqual([Code.Unauthenticated, "revoked", subjectTokenHeader]);
  });

  it("refuses tokens of another organisation and tokens not meant for mcp", async () => {
    const error = await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingFor(h.globex.token)));
    expect([reasonOf(error), fieldOf(error)]).toEqual(["unknown", subjectTokenHeader]);

    const billing = await h.client(TokenService).createToken({ accountId: caller.accountId, label: "billing", audiences: ["billing"] });
    expect(reasonOf(await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingFor(billing.secret))))).toBe("audience_mismatch");
    const forMcp = await h.client(TokenService).createToken({ accountId: caller.accountId, label: "mcp", audiences: ["mcp"] });
    await expect(h.client(VerifyService, mcp.token).whoAmI({}, actingFor(forMcp.secret))).resolves.toBeDefined();
  });

  it("tells a bad delegate credential apart from a bad subject token", async () => {
    const error = await rejection(h.client(VerifyService, "tsr_notatoken").whoAmI({}, actingFor(caller.token)));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(fieldOf(error)).toBe("");
  });
});
