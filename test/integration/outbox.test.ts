// A mutation commits its audit event and its cache invalidations in the same document write
// (outbox). A crash between that write and their relay loses neither: the sweep delivers them,
// exactly once for the audit event.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let gateway: string;
beforeAll(async () => {
  h = await startHarness();
  gateway = (await h.provision("gateway", [{ role: "verifier", allEnvironments: true }])).token;
});
afterAll(() => h.close());

/** Makes the relay die right after the next mutation is written, as a crashed process would. */
function crashAfterNextWrite(): void {
  const outbox = h.identity.store.outbox;
  const deliver = outbox.deliver.bind(outbox);
  outbox.deliver = async () => {
    outbox.deliver = deliver;
    throw new Error("simulated crash between the write and the relay");
  };
}

const events = (target: string) => h.client(AuditService).listAuditEvents({ target }).then((r) => r.events);
const logged = (key: string) => h.mongo.db(h.dbName).collection("invalidations").countDocuments({ key });

describe("outbox", () => {
  it("relays a revocation's audit event and invalidation after a crash between write and relay", async () => {
    const bot = await h.provision("crash-bot", [{ role: "viewer", allEnvironments: true }]);
    expect((await h.client(VerifyService, gateway).verify({ token: bot.token })).valid).toBe(true); // now cached
    const hash = (await h.mongo.db(h.dbName).collection("tokens").findOne({ label: "test", accountId: { $exists: true } }, { sort: { _id: -1 } }))!
      .hash as string;

    crashAfterNextWrite();
    await rejection(h.client(TokenService).revokeToken({ id: bot.tokenId, reason: "crash test" }));
    // The change stands; its effects wait on the document until the sweep moves them.
    await vi.waitFor(
      async () => {
        const revokes = (await events(bot.tokenId)).filter((e) => e.action === "token.revoke" && e.outcome === "ok");
        expect(revokes).toHaveLength(1);
        expect(revokes[0]!.detail).toBe("crash test");
        expect(await logged(hash)).toBeGreaterThan(0);
      },
      { timeout: 5000, interval: 50 },
    );
    const verdict = await h.client(VerifyService, gateway).verify({ token: bot.token });
    expect([verdict.valid, verdict.reason]).toEqual([false, "revoked"]);
    const pending = await h.mongo.db(h.dbName).collection("tokens").countDocuments({ "outbox.0": { $exists: true } });
    expect(pending).toBe(0);
  });

  it("relays a disabled account's effects, and delivers each audit event once however often it sweeps", async () => {
    const bot = await h.provision("disabled-crash-bot", [{ role: "viewer", allEnvironments: true }]);
    crashAfterNextWrite();
    await rejection(h.client(ServiceAccountService).disableServiceAccount({ id: bot.accountId }));
    await Promise.all([h.identity.store.outbox.sweep(), h.identity.store.outbox.sweep()]);
    await h.identity.store.outbox.sweep();
    const disables = (await events(bot.accountId)).filter((e) => e.action === "service_account.disable" && e.outcome === "ok");
    expect(disables).toHaveLength(1);
    expect(await logged(bot.accountId.slice(3))).toBeGreaterThan(0);
    const verdict = await h.client(VerifyService, gateway).verify({ token: bot.token });
    expect(verdict.reason).toBe("account_disabled");
  });

  it("finishes a deletion whose effects a crash left behind", async () => {
    const bot = await h.provision("deleted-token-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    crashAfterNextWrite();
    await rejection(h.client(TokenService).deleteToken({ id: bot.tokenId }));
    await h.identity.store.outbox.sweep();
    expect((await events(bot.tokenId)).filter((e) => e.action === "token.delete" && e.outcome === "ok")).toHaveLength(1);
    const left = await h.mongo.db(h.dbName).collection("tokens").countDocuments({ label: "test", deleting: true });
    expect(left).toBe(0);
  });

  it("writes one audit event per successful mutation in normal operation", async () => {
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({ name: "once-bot" });
    const { token } = await h.client(TokenService).createToken({ accountId: serviceAccount!.id, label: "once" });
    await h.client(TokenService).revokeToken({ id: token!.id });
    await h.client(TokenService).revokeToken({ id: token!.id }); // a no-op: audited, nothing committed
    const revokes = (await events(token!.id)).filter((e) => e.action === "token.revoke");
    expect(revokes).toHaveLength(2);
    expect(revokes.map((e) => Number(e.targetVersion)).sort()).toEqual([0, 2]);
    expect((await events(serviceAccount!.id)).filter((e) => e.action === "service_account.create")).toHaveLength(1);
  });
});
