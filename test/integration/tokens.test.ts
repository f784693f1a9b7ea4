import { toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { OrganizationService } from "../../gen/tessera/identity/v1/organization_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { GetTokenResponseSchema, TokenService, TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
let botId: string;
beforeAll(async () => {
  h = await startHarness();
  await h.client(EnvironmentService).createEnvironment({ name: "production" });
  await h.client(EnvironmentService).createEnvironment({ name: "staging" });
  const { serviceAccount } = await h.client(ServiceAccountService).createServiceAccount({
    name: "deploy-bot",
    roleBindings: [
      { role: "developer", environments: ["staging"] },
      { role: "verifier", allEnvironments: true },
    ],
  });
  botId = serviceAccount!.id;
});
afterAll(() => h.close());

const tokens = () => h.client(TokenService);
const whoami = (token: string) => h.client(VerifyService, token).whoAmI({});
const seconds = (n: number) => ({ seconds: BigInt(n), nanos: 0 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TokenService", () => {
  it("returns the secret once, in the documented format, with a hint", async () => {
    const { token, secret } = await tokens().createToken({ accountId: botId, label: "ci" });
    expect(secret).toMatch(/^tsr_[0-9A-Za-z]{49}$/);
    expect(token).toMatchObject({ label: "ci", state: TokenState.ACTIVE, hint: secret.slice(-4), accountId: botId });
    const read = await tokens().getToken({ id: token!.id });
    expect(toJsonString(GetTokenResponseSchema, read)).not.toContain(secret.slice(4, 20));
    const { identity } = await whoami(secret);
    expect(identity!.principal!.accountName).toBe("deploy-bot");
  });

  it("narrows a token's permissions and environments, never widens them", async () => {
    const { secret } = await tokens().createToken({
      accountId: botId,
      label: "narrow",
      permissions: ["accounts.read"],
      environments: ["staging"],
    });
    const { identity } = await whoami(secret);
    expect(identity!.permissions).toEqual(["accounts.read"]);
    expect(identity!.environments).toEqual(["staging"]);

    const wider = await rejection(tokens().createToken({ accountId: botId, label: "x", permissions: ["audit.read"] }));
    expect(wider.code).toBe(Code.InvalidArgument);
    expect(fieldOf(wider)).toBe("permissions[0]");
    const elsewhere = await rejection(tokens().createToken({ accountId: botId, label: "x", permissions: ["accounts.read"], environments: ["production"] }));
    expect(elsewhere.code).toBe(Code.InvalidArgument);
    expect(fieldOf(elsewhere)).toBe("permissions[0]");
    const unreachable = await h.provision("staging-only", [{ role: "viewer", environments: ["staging"] }]);
    const outside = await rejection(tokens().createToken({ accountId: unreachable.accountId, label: "x", environments: ["production"] }));
    expect(fieldOf(outside)).toBe("environments[0]");
  });

  it.each([
    ["label", { label: "" }],
    ["label", { label: "x".repeat(101) }],
    ["ttl", { label: "ok", ttl: { seconds: -5n, nanos: 0 } }],
    ["ttl", { label: "ok", ttl: seconds(0) }],
    ["permissions[0]", { label: "ok", permissions: ["Not A Permission"] }],
    ["audiences[0]", { label: "ok", audiences: ["bad audience!"] }],
    ["environments", { label: "ok", environments: ["nowhere"] }],
  ])("rejects a bad %s, naming it", async (field, input) => {
    const before = await tokens().listTokens({ accountId: botId });
    const error = await rejection(tokens().createToken({ accountId: botId, ...input }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(fieldOf(error)).toBe(field);
    const after = await tokens().listTokens({ accountId: botId });
    expect(after.tokens).toHaveLength(before.tokens.length);
  });

  it("rejects malformed and unknown ids", async () => {
    expect(fieldOf(await rejection(tokens().getToken({ id: "tok_123" })))).toBe("id");
    expect((await rejection(tokens().getToken({ id: "tok_000000000000000000000000" }))).code).toBe(Code.NotFound);
    expect(fieldOf(await rejection(tokens().createToken({ accountId: "nope", label: "x" })))).toBe("account_id");
  });

  it("expires tokens and enforces the organisation's maximum lifetime", async () => {
    const { secret, token } = await tokens().createToken({ accountId: botId, label: "short", ttl: seconds(2) });
    expect(token!.expireTime).toBeDefined();
    await whoami(secret);
    await sleep(2100);
    const expired = await rejection(whoami(secret));
    expect(reasonOf(expired)).toBe("expired");
    expect((await tokens().getToken({ id: token!.id })).token!.state).toBe(TokenState.EXPIRED);

    const longLived = await tokens().createToken({ accountId: botId, label: "long-lived", ttl: seconds(30 * 86_400) });
    await h.client(OrganizationService).updateOrganization({
      organization: { tokenPolicy: { maxTokenTtl: seconds(3600) } },
      updateMask: { paths: ["token_policy.max_token_ttl"] },
    });
    try {
      const tooLong = await rejection(tokens().createToken({ accountId: botId, label: "long", ttl: seconds(7200) }));
      expect(tooLong.code).toBe(Code.InvalidArgument);
      expect(tooLong.rawMessage).toContain("maximum token lifetime of 1h");
      const defaulted = await tokens().createToken({ accountId: botId, label: "capped" });
      expect(defaulted.token!.expireTime).toBeDefined();
      // Rotation: the grace period keeps the old secret alive, so the maximum bounds it too; a
      // token made before the maximum was lowered is replaced by one within it.
      const longGrace = await tokens().rotateToken({ id: defaulted.token!.id, gracePeriod: seconds(7200) });
      expect(Number(longGrace.previousToken!.expireTime!.seconds) - Date.now() / 1000).toBeLessThanOrEqual(3601);
      const rotated = await tokens().rotateToken({ id: longLived.token!.id });
      expect(Number(rotated.token!.expireTime!.seconds) - Date.now() / 1000).toBeLessThanOrEqual(3601);
    } finally {
      await h.client(OrganizationService).updateOrganization({ organization: {}, updateMask: { paths: ["token_policy"] } });
    }
  });

  it("revokes at once, restores, and deletes only inactive tokens", async () => {
    const { secret, token } = await tokens().createToken({ accountId: botId, label: "lifecycle" });
    const active = await rejection(tokens().deleteToken({ id: token!.id }));
    expect(active.code).toBe(Code.FailedPrecondition);
    expect((await rejection(tokens().restoreToken({ id: token!.id }))).code).toBe(Code.FailedPrecondition);

    const revoked = await tokens().revokeToken({ id: token!.id, reason: "leaked in a log" });
    expect(revoked.token).toMatchObject({ state: TokenState.REVOKED, revokeReason: "leaked in a log" });
    expect(reasonOf(await rejection(whoami(secret)))).toBe("revoked");
    // Revoking again is harmless.
    expect((await tokens().revokeToken({ id: token!.id })).token!.state).toBe(TokenState.REVOKED);

    const restored = await tokens().restoreToken({ id: token!.id });
    expect(restored.token!.state).toBe(TokenState.ACTIVE);
    await expect(whoami(secret)).resolves.toBeDefined();

    await tokens().revokeToken({ id: token!.id });
    await tokens().deleteToken({ id: token!.id });
    expect((await rejection(tokens().getToken({ id: token!.id }))).code).toBe(Code.NotFound);
    expect(reasonOf(await rejection(whoami(secret)))).toBe("unknown");
  });

  it("will not restore an expired token or one whose account is disabled", async () => {
    const { token } = await tokens().createToken({ accountId: botId, label: "restore-expired", ttl: seconds(1) });
    await tokens().revokeToken({ id: token!.id });
    await sleep(1100);
    expect(reasonOf(await rejection(tokens().restoreToken({ id: token!.id })))).toBe("expired");

    const other = await tokens().createToken({ accountId: botId, label: "restore-disabled" });
    await tokens().revokeToken({ id: other.token!.id });
    await h.client(ServiceAccountService).disableServiceAccount({ id: botId });
    try {
      expect(reasonOf(await rejection(tokens().restoreToken({ id: other.token!.id })))).toBe("account_disabled");
    } finally {
      await h.client(ServiceAccountService).enableServiceAccount({ id: botId });
    }
  });

  it("rotates: a new secret with the same settings, the old one kept for the grace period", async () => {
    const original = await tokens().createToken({ accountId: botId, label: "rotating", permissions: ["accounts.read"], ttl: seconds(3600) });
    const rotated = await tokens().rotateToken({ id: original.token!.id, gracePeriod: seconds(60) });
    expect(rotated.secret).not.toBe(original.secret);
    expect(rotated.token).toMatchObject({ label: "rotating", permissions: ["accounts.read"], rotatedFromTokenId: original.token!.id });
    expect(rotated.previousToken!.rotatedToTokenId).toBe(rotated.token!.id);
    const graceEnd = Number(rotated.previousToken!.expireTime!.seconds);
    expect(graceEnd - Date.now() / 1000).toBeLessThanOrEqual(61);
    const lifetime = Number(rotated.token!.expireTime!.seconds) - Number(rotated.token!.createTime!.seconds);
    expect(lifetime).toBeGreaterThanOrEqual(3599);
    await expect(whoami(original.secret)).resolves.toBeDefined();
    await expect(whoami(rotated.secret)).resolves.toBeDefined();

    const again = await rejection(tokens().rotateToken({ id: original.token!.id }));
    expect(reasonOf(again)).toBe("already_rotated");

    const now = await tokens().rotateToken({ id: rotated.token!.id });
    expect(reasonOf(await rejection(whoami(rotated.secret)))).toBe("expired");
    await expect(whoami(now.secret)).resolves.toBeDefined();
  });

  it("counts uses per hour, so a rotation shows traffic moving to the new token", async () => {
    const original = await tokens().createToken({ accountId: botId, label: "counted" });
    for (let i = 0; i < 3; i++) await whoami(original.secret);
    const rotated = await tokens().rotateToken({ id: original.token!.id, gracePeriod: seconds(600) });
    for (let i = 0; i < 5; i++) await whoami(rotated.secret);
    const countOf = async (id: string) => {
      const { token } = await tokens().getToken({ id });
      return token!.hourlyUsage.reduce((sum, h) => sum + Number(h.count), 0);
    };
    await vi.waitFor(async () => expect([await countOf(original.token!.id), await countOf(rotated.token!.id)]).toEqual([3, 5]));
    const { tokens: listed } = await tokens().listTokens({ accountId: botId });
    const hour = listed.find((t) => t.id === rotated.token!.id)!.hourlyUsage[0]!.hour!;
    expect(Number(hour.seconds) % 3600).toBe(0);
  });

  it("lets exactly one of many concurrent rotations win", async () => {
    const { token } = await tokens().createToken({ accountId: botId, label: "contended" });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => tokens().rotateToken({ id: token!.id, gracePeriod: seconds(30) })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const listed = await tokens().listTokens({ accountId: botId });
    expect(listed.tokens.filter((t) => t.rotatedFromTokenId === token!.id)).toHaveLength(1);
  });

  it("lists by state and across accounts", async () => {
    const revoked = await tokens().listTokens({ accountId: botId, state: TokenState.REVOKED });
    expect(revoked.tokens.every((t) => t.state === TokenState.REVOKED)).toBe(true);
    expect(revoked.tokens.length).toBeGreaterThan(0);
    const all = await tokens().listTokens({});
    expect(all.tokens.some((t) => t.accountId !== botId)).toBe(true);
  });

  it("lets a token revoke itself without further permission", async () => {
    const bot = await h.provision("self-revoker", [{ role: "viewer", allEnvironments: true }]);
    await h.client(TokenService, bot.token).revokeToken({ id: bot.tokenId, reason: "done" });
    expect(reasonOf(await rejection(whoami(bot.token)))).toBe("revoked");
  });
});
