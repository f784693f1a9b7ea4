// A delegate (the MCP server) acting for a verified caller: authorised as the caller, never
// wider, audited with both, and cut off the moment the caller's token is.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let mcp: { accountId: string; token: string };
let caller: { accountId: string; token: string; tokenId: string };
beforeAll(async () => {
  h = await startHarness();
  mcp = await h.provision("mcp-server", [{ role: "mcp-delegate", allEnvironments: true }]);
  caller = await h.provision("assistant", [{ role: "developer", allEnvironments: true }]);
});
afterAll(() => h.close());

const actingAs = (tokenId: string) => ({ headers: { "x-tessera-act-as": tokenId } });

describe("delegation", () => {
  it("acts as the named token's holder, on channel mcp", async () => {
    const response = await h.client(VerifyService, mcp.token).whoAmI({}, actingAs(caller.tokenId));
    expect(response.identity!.principal!.accountName).toBe("assistant");
    expect(response.delegate!.accountName).toBe("mcp-server");
    expect(response.channel).toBe("mcp");
  });

  it("audits the caller, the delegate and the channel", async () => {
    const { serviceAccount } = await h.client(ServiceAccountService, mcp.token).createServiceAccount({ name: "made-by-assistant" }, actingAs(caller.tokenId));
    expect(serviceAccount!.createdBy!.accountName).toBe("assistant");
    const { events } = await h.client(AuditService).listAuditEvents({ target: serviceAccount!.id });
    expect(events[0]).toMatchObject({
      action: "service_account.create",
      actor: { accountName: "assistant" },
      delegate: { accountName: "mcp-server" },
      channel: "mcp",
    });
  });

  it("never grants more than the caller holds", async () => {
    const error = await rejection(h.client(AuditService, mcp.token).listAuditEvents({}, actingAs(caller.tokenId)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it("needs identity.delegate", async () => {
    const error = await rejection(h.client(VerifyService, caller.token).whoAmI({}, actingAs(caller.tokenId)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it("stops at once when the caller's token is revoked", async () => {
    const victim = await h.provision("short-lived", [{ role: "viewer", allEnvironments: true }]);
    await h.client(VerifyService, mcp.token).whoAmI({}, actingAs(victim.tokenId));
    await h.client(TokenService).revokeToken({ id: victim.tokenId });
    const error = await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingAs(victim.tokenId)));
    expect([error.code, reasonOf(error)]).toEqual([Code.Unauthenticated, "revoked"]);
  });

  it("refuses tokens of another organisation and tokens not meant for mcp", async () => {
    const { events } = await h.client(AuditService, h.globex.token).listAuditEvents({ pageSize: 1 });
    expect(events).toHaveLength(1);
    const globexToken = (await h.client(TokenService, h.globex.token).listTokens({})).tokens[0]!.id;
    expect(reasonOf(await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingAs(globexToken))))).toBe("unknown");

    const billing = await h.client(TokenService).createToken({ accountId: caller.accountId, label: "billing", audiences: ["billing"] });
    expect(reasonOf(await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingAs(billing.token!.id))))).toBe("audience_mismatch");
    const forMcp = await h.client(TokenService).createToken({ accountId: caller.accountId, label: "mcp", audiences: ["mcp"] });
    await expect(h.client(VerifyService, mcp.token).whoAmI({}, actingAs(forMcp.token!.id))).resolves.toBeDefined();
  });

  it("rejects a malformed act-as header naming it", async () => {
    const error = await rejection(h.client(VerifyService, mcp.token).whoAmI({}, actingAs("someone")));
    expect(error.code).toBe(Code.InvalidArgument);
  });
});
