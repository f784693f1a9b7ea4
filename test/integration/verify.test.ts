import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import {
  VerifyRequestSchema,
  VerifyResponseSchema,
  VerifyService,
  type VerifyRequest,
  type VerifyResponse,
} from "../../gen/tessera/identity/v1/verify_pb.ts";
import { reasonOf, rejection, verdict } from "../support/errors.ts";
import { startHarness, type Harness, type Protocol } from "../support/harness.ts";

let h: Harness;
let verifier: { token: string };
let bot: { accountId: string; token: string; tokenId: string };
beforeAll(async () => {
  h = await startHarness();
  await h.client(EnvironmentService).createEnvironment({ name: "production" });
  await h.client(EnvironmentService).createEnvironment({ name: "staging" });
  verifier = await h.provision("gateway", [{ role: "verifier", allEnvironments: true }]);
  bot = await h.provision("deploy-bot", [
    { role: "developer", environments: ["staging"] },
    { role: "viewer", allEnvironments: true },
  ]);
});
afterAll(() => h.close());

type VerifyInput = MessageInitShape<typeof VerifyRequestSchema>;
const protocols: Protocol[] = ["connect", "grpc", "grpc-web"];
const verify = (request: VerifyInput, protocol: Protocol = "connect") =>
  h.client(VerifyService, verifier.token, protocol).verify(request);

describe("VerifyService.Verify", () => {
  it.each(protocols)("returns the principal, roles and effective grants over %s", async (protocol) => {
    const response = await verify({ token: bot.token }, protocol);
    expect(verdict(response)).toBe("valid");
    const { identity } = response;
    expect(identity!.principal).toMatchObject({ org: "acme", accountId: bot.accountId, accountName: "deploy-bot" });
    expect(identity!.tokenId).toBe(bot.tokenId);
    expect(identity!.roles.sort()).toEqual(["developer", "viewer"]);
    expect(identity!.allEnvironments).toBe(true);
    const grants = Object.fromEntries(identity!.grants.map((g) => [g.permission, g.allEnvironments ? "*" : g.environments.join(",")]));
    expect(grants).toEqual({ "accounts.read": "*", "accounts.write": "staging", "tokens.write": "staging", "tokens.revoke": "staging" });
  });

  it.each(protocols)("checks a required permission and environment over %s", async (protocol) => {
    expect(verdict(await verify({ token: bot.token, permission: "accounts.write", environment: "staging" }, protocol))).toBe("valid");
    expect(verdict(await verify({ token: bot.token, permission: "accounts.write", environment: "production" }, protocol))).toBe("permission_denied");
    expect(verdict(await verify({ token: bot.token, permission: "audit.read" }, protocol))).toBe("permission_denied");
  });

  it("reports an environment the token cannot reach", async () => {
    const narrow = await h.client(TokenService).createToken({ accountId: bot.accountId, label: "staging", environments: ["staging"] });
    expect(verdict(await verify({ token: narrow.secret, environment: "staging" }))).toBe("valid");
    expect(verdict(await verify({ token: narrow.secret, environment: "production" }))).toBe("environment_denied");
  });

  it.each(protocols)("gives the reason of each invalid token in the response over %s", async (protocol) => {
    const revoked = await h.client(TokenService).createToken({ accountId: bot.accountId, label: "to-revoke" });
    await h.client(TokenService).revokeToken({ id: revoked.token!.id });
    const cases: [string, string][] = [
      ["not-a-token", "malformed"],
      [`${bot.token.slice(0, -1)}${bot.token.endsWith("A") ? "B" : "A"}`, "malformed"],
      [`tsr_${"0".repeat(43)}000000`, "malformed"],
      [revoked.secret, "revoked"],
    ];
    for (const [token, reason] of cases) {
      expect(verdict(await verify({ token }, protocol)), token).toBe(reason);
    }
  });

  it("tells unknown tokens from malformed ones", async () => {
    const other = await h.client(TokenService).createToken({ accountId: bot.accountId, label: "deleted" });
    await h.client(TokenService).revokeToken({ id: other.token!.id });
    await h.client(TokenService).deleteToken({ id: other.token!.id });
    expect(verdict(await verify({ token: other.secret }))).toBe("unknown");
  });

  it("enforces audiences, on Verify and on the API itself", async () => {
    const scoped = await h.client(TokenService).createToken({ accountId: bot.accountId, label: "billing-only", audiences: ["billing"] });
    expect(verdict(await verify({ token: scoped.secret, audience: "billing" }))).toBe("valid");
    expect(verdict(await verify({ token: scoped.secret, audience: "search" }))).toBe("audience_mismatch");
    expect(verdict(await verify({ token: scoped.secret }))).toBe("audience_mismatch");
    const api = await rejection(h.client(VerifyService, scoped.secret).whoAmI({}));
    expect(api.code).toBe(Code.Unauthenticated);
    expect(reasonOf(api)).toBe("audience_mismatch");
  });

  it("reports a disabled account", async () => {
    const sleepy = await h.provision("sleepy", [{ role: "viewer", allEnvironments: true }]);
    await h.client(ServiceAccountService).disableServiceAccount({ id: sleepy.accountId });
    expect(verdict(await verify({ token: sleepy.token }))).toBe("account_disabled");
  });

  it("does not verify, or reveal, another organisation's tokens", async () => {
    expect(verdict(await verify({ token: h.globex.token }))).toBe("unknown");
  });

  it("needs tokens.verify, like a TokenReview caller", async () => {
    const error = await rejection(h.client(VerifyService, bot.token).verify({ token: verifier.token }));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});

describe("Verify over native gRPC with @grpc/grpc-js", () => {
  function callVerify(request: VerifyInput, token: string, deadlineMs = 5000): Promise<VerifyResponse> {
    const client = new grpc.Client(new URL(h.url).host, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    return new Promise<VerifyResponse>((resolve, reject) => {
      client.makeUnaryRequest(
        "/tessera.identity.v1.VerifyService/Verify",
        (message: VerifyRequest) => Buffer.from(toBinary(VerifyRequestSchema, message)),
        (bytes: Buffer) => fromBinary(VerifyResponseSchema, bytes),
        create(VerifyRequestSchema, request),
        metadata,
        { deadline: Date.now() + deadlineMs },
        (error, response) => (error ? reject(error) : resolve(response!)),
      );
    }).finally(() => client.close());
  }

  it("verifies a token", async () => {
    const response = await callVerify({ token: bot.token, permission: "accounts.read" }, verifier.token);
    expect(verdict(response)).toBe("valid");
    expect(response.identity!.principal!.accountName).toBe("deploy-bot");
  });

  it("maps failures to gRPC status codes", async () => {
    // An invalid presented token is an answer, not a failed call.
    expect(verdict(await callVerify({ token: "tsr_bogus" }, verifier.token))).toBe("malformed");
    expect(verdict(await callVerify({ token: bot.token, permission: "audit.read" }, verifier.token))).toBe("permission_denied");
    // The call itself fails for the caller's own credential, a caller without tokens.verify, or a bad field.
    await expect(callVerify({ token: bot.token }, "tsr_not-the-caller")).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(callVerify({ token: verifier.token }, bot.token)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(callVerify({ token: bot.token, permission: "NOT A PERMISSION" }, verifier.token)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
  });
});

describe("VerifyService.WhoAmI", () => {
  it.each(protocols)("names the caller and the channel over %s", async (protocol) => {
    const response = await h.client(VerifyService, bot.token, protocol).whoAmI({});
    expect(response.identity!.principal!.accountName).toBe("deploy-bot");
    expect(response.channel).toBe(protocol);
  });
});
