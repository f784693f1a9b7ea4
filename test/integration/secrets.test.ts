// Runs a whole workflow, then looks for every secret it issued in every collection of the
// database, in every log line (at trace level) and in every error message the clients saw.
import { Writable } from "node:stream";
import { BSON } from "mongodb";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService, type VerifyResponse } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { rejection, verdict } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
const logLines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  h = await startHarness({ log: pino({ level: "trace" }, sink) });
});
afterAll(() => h.close());

describe("token secrets", () => {
  it("appear nowhere but in the create and rotate responses", async () => {
    const secrets: string[] = [h.acme.token, h.globex.token];
    const errors: string[] = [];
    const fail = async (call: Promise<unknown>) => errors.push((await rejection(call)).message);
    /** An invalid presented token is an answer whose message the client sees, like an error's. */
    const refuse = async (call: Promise<VerifyResponse>, reason: string) => {
      const response = await call;
      expect(verdict(response)).toBe(reason);
      errors.push(response.message);
    };

    const bot = await h.provision("workflow-bot", [{ role: "developer", allEnvironments: true }]);
    secrets.push(bot.token);
    const gateway = await h.provision("workflow-gateway", [{ role: "verifier", allEnvironments: true }]);
    secrets.push(gateway.token);
    const tokens = h.client(TokenService);
    const second = await tokens.createToken({ accountId: bot.accountId, label: "second", audiences: ["billing"] });
    secrets.push(second.secret);
    const rotated = await tokens.rotateToken({ id: second.token!.id, gracePeriod: { seconds: 0n, nanos: 0 } });
    secrets.push(rotated.secret);
    expect(verdict(await h.client(VerifyService, gateway.token).verify({ token: rotated.secret, audience: "billing" }))).toBe("valid");
    expect(verdict(await h.client(VerifyService, gateway.token, "grpc").verify({ token: bot.token, permission: "accounts.write" }))).toBe("valid");
    await refuse(h.client(VerifyService, gateway.token).verify({ token: second.secret, audience: "billing" }), "expired");
    await refuse(h.client(VerifyService, gateway.token).verify({ token: bot.token, permission: "audit.read" }), "permission_denied");
    await h.client(VerifyService, bot.token).whoAmI({});
    await tokens.revokeToken({ id: rotated.token!.id, reason: "workflow" });
    await fail(h.client(VerifyService, rotated.secret).whoAmI({}));
    await fail(h.client(VerifyService, rotated.secret, "grpc").whoAmI({}));
    await fail(h.client(ServiceAccountService, second.secret).listServiceAccounts({}));
    await tokens.restoreToken({ id: rotated.token!.id });
    await fail(h.client(TokenService, bot.token).createToken({ accountId: bot.accountId, label: bot.token.slice(0, 4) + "\u0000" }));
    await h.client(ServiceAccountService).disableServiceAccount({ id: bot.accountId });
    await fail(h.client(VerifyService, bot.token).whoAmI({}));
    await h.client(ServiceAccountService).deleteServiceAccount({ id: bot.accountId });
    await h.client(AuditService).listAuditEvents({});
    await h.identity.close(); // flush usage records

    const db = h.mongo.db(h.dbName);
    const collections = await db.listCollections().toArray();
    expect(collections.map((c) => c.name)).toEqual(expect.arrayContaining(["tokens", "audit_events", "accounts"]));
    const dump: string[] = [];
    for (const { name } of collections) {
      for (const doc of await db.collection(name).find({}).toArray()) dump.push(BSON.EJSON.stringify(doc));
    }
    const haystacks = { database: dump.join("\n"), logs: logLines.join(""), errors: errors.join("\n") };
    expect(logLines.length).toBeGreaterThan(10);
    expect(errors.length).toBeGreaterThan(5);
    for (const secret of new Set(secrets)) {
      // The random part alone must not appear either (the hint is only the last four characters).
      const randomPart = secret.slice(4, 47);
      for (const [where, text] of Object.entries(haystacks)) {
        expect(text.includes(randomPart), `a secret found in ${where}`).toBe(false);
      }
    }
  });
});
