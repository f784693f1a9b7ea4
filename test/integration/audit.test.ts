import { toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditEventSchema, AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const audit = () => h.client(AuditService);

describe("audit trail", () => {
  it("records every mutation with actor, channel, target, outcome, request id and peer", async () => {
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({ name: "audited-bot" });
    const { token } = await h.client(TokenService, undefined, "grpc").createToken({ accountId: serviceAccount!.id, label: "t" });
    await h.client(TokenService).revokeToken({ id: token!.id });

    const { events } = await audit().listAuditEvents({ target: token!.id });
    expect(events.map((e) => e.action)).toEqual(["token.revoke", "token.create"]);
    expect(events[0]).toMatchObject({
      org: "acme",
      actor: { accountId: h.acme.accountId, accountName: "admin" },
      channel: "connect",
      outcome: "ok",
      target: token!.id,
    });
    expect(events[1]!.channel).toBe("grpc");
    expect(events[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0]!.peer).toBe("127.0.0.1");

    const created = await audit().listAuditEvents({ action: "service_account.create", target: serviceAccount!.id });
    expect(created.events).toHaveLength(1);
  });

  it("records refused mutations with their outcome and reason", async () => {
    const nobody = await h.provision("powerless", []);
    await rejection(h.client(ServiceAccountService, nobody.token).createServiceAccount({ name: "nope-bot" }));
    const { events } = await audit().listAuditEvents({ actorAccountId: nobody.accountId });
    expect(events[0]).toMatchObject({ action: "service_account.create", outcome: "permission_denied", target: "nope-bot" });
  });

  it("records failed authentications, under the token's organisation when the token is known", async () => {
    const bot = await h.provision("revoked-bot", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService).revokeToken({ id: bot.tokenId });
    await rejection(h.client(VerifyService, bot.token).whoAmI({}));
    const { events } = await audit().listAuditEvents({ action: "auth.failed", actorAccountId: bot.accountId });
    expect(events[0]).toMatchObject({ outcome: "unauthenticated", reason: "revoked" });

    await rejection(h.client(VerifyService, "tsr_garbage").whoAmI({}));
    const anonymous = await h.mongo.db(h.dbName).collection("audit_events").find({ action: "auth.failed", reason: "malformed" }).toArray();
    expect(anonymous.length).toBeGreaterThan(0);
    expect(anonymous[0]!.org).toBe("");
  });

  it("records the server's own request id, with the caller's beside it", async () => {
    let answered = "";
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount(
      { name: "traced-bot" },
      { headers: { "x-request-id": "trace-42" }, onHeader: (headers) => void (answered = headers.get("x-request-id") ?? "") },
    );
    const { events } = await audit().listAuditEvents({ target: serviceAccount!.id });
    expect(answered).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0]).toMatchObject({ requestId: answered, clientRequestId: "trace-42" });
  });

  it("keeps secrets and claims out of the trail (attack 8)", async () => {
    const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({ name: "truthful-bot" });
    const { token, secret } = await h.client(TokenService).createToken({ accountId: serviceAccount!.id, label: "t" });
    // A secret pasted into an id field is refused and never becomes a target.
    expect((await rejection(h.client(TokenService).revokeToken({ id: secret }))).code).toBe(Code.InvalidArgument);
    // A secret-shaped request id is dropped; a channel claim is ignored.
    await h.client(TokenService).revokeToken(
      { id: token!.id, reason: "rotated by hand" },
      { headers: { "x-request-id": secret, "x-tessera-channel": "mcp" } },
    );
    const all = await audit().listAuditEvents({ pageSize: 1000 });
    expect(JSON.stringify(all.events.map((e) => toJson(AuditEventSchema, e)))).not.toContain(secret.slice(4));
    const revoke = all.events.find((e) => e.action === "token.revoke" && e.target === token!.id)!;
    expect(revoke).toMatchObject({ channel: "connect", clientRequestId: "", detail: "rotated by hand" });
    expect(revoke.actor!.tokenId).toBe((await h.client(VerifyService).whoAmI({})).identity!.tokenId);
    // Free text that carries a secret is refused, naming the field.
    const pasted = await rejection(h.client(TokenService).revokeToken({ id: token!.id, reason: `found ${secret}` }));
    expect([pasted.code, fieldOf(pasted)]).toEqual([Code.InvalidArgument, "reason"]);
  });

  it("filters by time range and pages newest first", async () => {
    const start = new Date(Date.now() - 60_000);
    const all = await audit().listAuditEvents({ startTime: timestampFromDate(start), pageSize: 1000 });
    const times = all.events.map((e) => Number(e.time!.seconds));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const future = await audit().listAuditEvents({ startTime: timestampFromDate(new Date(Date.now() + 60_000)) });
    expect(future.events).toHaveLength(0);

    const ids: string[] = [];
    let pageToken = "";
    do {
      const page = await audit().listAuditEvents({ pageSize: 3, pageToken });
      ids.push(...page.events.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(ids).toEqual(all.events.map((e) => e.id));

    const backwards = await rejection(
      audit().listAuditEvents({ startTime: timestampFromDate(new Date()), endTime: timestampFromDate(start) }),
    );
    expect([backwards.code, fieldOf(backwards)]).toEqual([Code.InvalidArgument, "end_time"]);
  });

  it("is append-only from the API: there is no RPC that edits or deletes events", () => {
    expect(AuditService.methods.map((m) => m.name)).toEqual(["ListAuditEvents"]);
  });
});
