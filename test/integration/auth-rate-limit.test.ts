// Failed authentications are limited per peer, and the refusals are audited.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ authFailureLimit: 5 });
});
afterAll(() => h.close());

describe("failed-authentication limit", () => {
  it("does not count tokens a verifier presents, only its own credential", async () => {
    const gateway = await h.provision("busy-gateway", [{ role: "verifier", allEnvironments: true }]);
    for (let i = 0; i < 10; i++) {
      expect(reasonOf(await rejection(h.client(VerifyService, gateway.token).verify({ token: "tsr_presented-garbage" })))).toBe("malformed");
    }
    await expect(h.client(VerifyService, gateway.token).whoAmI({})).resolves.toBeDefined();
  });

  it("refuses a peer after too many failures, even with a valid token, and audits it", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await rejection(h.client(VerifyService, "tsr_guess").whoAmI({}))).code).toBe(Code.Unauthenticated);
    }
    const limited = await rejection(h.client(VerifyService, "tsr_guess").whoAmI({}));
    expect([limited.code, reasonOf(limited)]).toEqual([Code.ResourceExhausted, "auth_rate_limited"]);
    expect(limited.rawMessage).toMatch(/retry in \d+ s/);
    // The limit is on the address: a good token from it waits too, so guessing cannot hide among real calls.
    expect((await rejection(h.client(VerifyService).whoAmI({}))).code).toBe(Code.ResourceExhausted);

    const events = await h.mongo.db(h.dbName).collection("audit_events").find({ action: "auth.failed", reason: "auth_rate_limited" }).toArray();
    // Tokens presented to Verify are not the caller's failures: a gateway checking bad tokens is not limited.
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]!.peer).toBe("127.0.0.1");
  });
});
