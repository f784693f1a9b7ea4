// Failed authentications are throttled per client address and per presented token, and audited;
// a valid credential is never refused for others' failures (attack 4). Through a delegate (the MCP
// server) the same limits apply to the address it forwards.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddressHeader, subjectTokenHeader } from "../../client/headers.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { clientAddress } from "../../services/identity/rpc/server.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ authFailureLimit: 5 });
});
afterAll(() => h.close());

const failures = (reason: string) => h.mongo.db(h.dbName).collection("audit_events").find({ action: "auth.failed", reason }).toArray();

describe("failed-authentication limit", () => {
  it("does not count tokens a verifier presents, only its own credential", async () => {
    const gateway = await h.provision("busy-gateway", [{ role: "verifier", allEnvironments: true }]);
    for (let i = 0; i < 10; i++) {
      const answer = await h.client(VerifyService, gateway.token).verify({ token: "tsr_presented-garbage" });
      expect([answer.valid, answer.reason]).toEqual([false, "malformed"]);
    }
    await expect(h.client(VerifyService, gateway.token).whoAmI({})).resolves.toBeDefined();
  });

  it("throttles an address's failures past the limit but never locks out a valid token from it", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await rejection(h.client(VerifyService, `tsr_guess${i}`).whoAmI({}))).code).toBe(Code.Unauthenticated);
    }
    for (let i = 0; i < 30; i++) {
      const limited = await rejection(h.client(VerifyService, `tsr_more${i}`).whoAmI({}));
      expect([limited.code, reasonOf(limited)]).toEqual([Code.ResourceExhausted, "auth_rate_limited"]);
      expect(limited.rawMessage).toMatch(/retry in \d+ s/);
    }
    // The same address, a good token: served.
    await expect(h.client(VerifyService).whoAmI({})).resolves.toBeDefined();
    const events = await failures("auth_rate_limited");
    expect(events.length).toBeGreaterThanOrEqual(30);
    expect(events[0]!.peer).toBe("127.0.0.1");
  });

  it("limits and audits guessing through a delegate by the address it forwards", async () => {
    const mcp = await h.provision("mcp-server", [{ role: "mcp-delegate", allEnvironments: true }]);
    const viaMcp = (token: string, address: string) =>
      h.client(VerifyService, mcp.token).whoAmI({}, { headers: { [subjectTokenHeader]: token, [clientAddressHeader]: address } });
    for (let i = 0; i < 5; i++) {
      const refused = await rejection(viaMcp(`tsr_mcpguess${i}`, "203.0.113.7"));
      expect([refused.code, fieldOf(refused)]).toEqual([Code.Unauthenticated, subjectTokenHeader]);
    }
    const limited = await rejection(viaMcp("tsr_mcpguess-next", "203.0.113.7"));
    expect([limited.code, reasonOf(limited), fieldOf(limited)]).toEqual([Code.ResourceExhausted, "auth_rate_limited", subjectTokenHeader]);
    // Another forwarded client is not held back, and the delegate's own valid calls go on.
    const other = await rejection(viaMcp("tsr_other-client", "203.0.113.8"));
    expect(other.code).toBe(Code.Unauthenticated);
    await expect(h.client(VerifyService, mcp.token).whoAmI({})).resolves.toBeDefined();
    const audited = (await failures("malformed")).filter((e) => e.peer === "203.0.113.7");
    expect(audited.length).toBe(5);
    expect(audited[0]).toMatchObject({ channel: "mcp", delegate: { accountName: "mcp-server" } });
  });

  it("takes X-Forwarded-For only from trusted proxies, and only the hops they added", () => {
    const trusted = new Set(["10.0.0.1", "10.0.0.2"]);
    expect(clientAddress("198.51.100.1", "1.2.3.4", trusted)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.1", "198.51.100.9", trusted)).toBe("198.51.100.9");
    expect(clientAddress("10.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2", trusted)).toBe("198.51.100.9");
    expect(clientAddress("10.0.0.1", undefined, trusted)).toBe("10.0.0.1");
  });
});
