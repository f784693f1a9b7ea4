// Keyless CI: an organisation trusts a local OIDC issuer (started here, with its own keys and
// discovery document) through a trust policy; external tokens are exchanged for short-lived
// Tessera tokens without any bearer, and every way a token can be wrong is refused with a reason.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { FederationService, type TrustPolicy } from "../../gen/tessera/identity/v1/federation_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { TrustPolicySchema } from "../../gen/tessera/identity/v1/federation_pb.ts";
import { fieldOf, reasonOf, rejection } from "../support/errors.ts";
import { startHarness, type Harness, type Protocol } from "../support/harness.ts";
import { localIssuers, startIssuer, type LocalIssuer } from "../support/oidc-issuer.ts";

let h: Harness;
let issuer: LocalIssuer;
let deployer: { accountId: string; token: string; tokenId: string };
let policy: TrustPolicy;

const mainBranch = [
  { claim: "repository", match: { case: "equals" as const, value: "acme/api" } },
  { claim: "ref", match: { case: "equals" as const, value: "refs/heads/main" } },
];
const ciClaims = { repository: "acme/api", ref: "refs/heads/main" };

type PolicyInit = MessageInitShape<typeof TrustPolicySchema>;

function policyInput(overrides: Partial<PolicyInit> = {}): PolicyInit {
  return {
    name: "github-main",
    issuer: issuer.url,
    audiences: ["tessera"],
    conditions: mainBranch,
    serviceAccountId: deployer.accountId,
    permissions: ["deploy:write"],
    maxTtl: { seconds: 600n },
    ...overrides,
  } as PolicyInit;
}

beforeAll(async () => {
  // No clock skew, and keys fetched again at once for an unknown kid: expiry and rotation are testable.
  h = await startHarness({ env: { ...localIssuers, TESSERA_OIDC_CLOCK_SKEW_S: "0", TESSERA_OIDC_KEYS_COOLDOWN_MS: "0" } });
  issuer = await startIssuer();
  const { role } = await h.client(RoleService).createRole({ name: "deployer", permissions: ["deploy:write", "deploy:read", "accounts.read"] });
  deployer = await h.provision("deployer", [{ role: role!.name, allEnvironments: true }]);
  policy = (await h.client(FederationService).createTrustPolicy({ policy: policyInput() })).policy!;
});
afterAll(async () => {
  await issuer.close();
  await h.close();
});

const exchange = (token: string, protocol: Protocol = "connect", over: { policy?: string; organization?: string } = {}) =>
  h.client(FederationService, null, protocol).exchangeToken({ organization: over.organization ?? "acme", policy: over.policy ?? "github-main", token });

async function refusedWith(token: string): Promise<string | undefined> {
  const error = await rejection(exchange(token));
  expect(error.code).toBe(Code.Unauthenticated);
  return reasonOf(error);
}

describe("trust policies", () => {
  it("are created with their conditions and shown as created", () => {
    expect(policy).toMatchObject({ name: "github-main", issuer: issuer.url, audiences: ["tessera"], serviceAccountId: deployer.accountId });
    expect(policy.conditions.map((c) => [c.claim, c.match.value])).toEqual([
      ["repository", "acme/api"],
      ["ref", "refs/heads/main"],
    ]);
    expect(policy.maxTtl?.seconds).toBe(600n);
  });

  it("need at least one claim condition, an audience and an https (or loopback) issuer", async () => {
    const client = h.client(FederationService);
    const cases: [Partial<PolicyInit>, string][] = [
      [{ conditions: [] }, "policy.conditions"],
      [{ audiences: [] }, "policy.audiences"],
      [{ issuer: "http://issuer.example.com" }, "policy.issuer"],
      [{ conditions: [{ claim: "sub", match: { case: "pattern", value: "repo:*" } }] }, "policy.conditions"],
      [{ conditions: [{ claim: "iss", match: { case: "equals", value: "https://token.actions.githubusercontent.com" } }] }, "policy.conditions"],
      [{ issuer: "https://10.0.0.1:8443" }, "policy.issuer"],
      [{ issuer: "https://169.254.169.254/latest" }, "policy.issuer"],
      [{ permissions: ["tokens.write"] }, "policy.permissions[0]"],
      [{ maxTtl: { seconds: 13n * 3600n } }, "policy.max_ttl"],
    ];
    for (const [overrides, field] of cases) {
      const error = await rejection(client.createTrustPolicy({ policy: policyInput({ name: "bad", ...overrides }) }));
      expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, field]);
    }
  });

  it("need org.write and rights on the account; other organisations never see them", async () => {
    const error = await rejection(h.client(FederationService, deployer.token).createTrustPolicy({ policy: policyInput({ name: "mine" }) }));
    expect(error.code).toBe(Code.PermissionDenied);
    expect((await h.client(FederationService, h.globex.token).listTrustPolicies({})).policies).toEqual([]);
    expect((await rejection(h.client(FederationService, h.globex.token).getTrustPolicy({ name: "github-main" }))).code).toBe(Code.NotFound);
  });
});

describe("exchange", () => {
  it("turns a matching external token into a short-lived token of the policy's account, bounded by the policy", async () => {
    const before = Date.now();
    const { secret, token } = await exchange(await issuer.sign({ claims: ciClaims }));
    expect(token!.accountId).toBe(deployer.accountId);
    expect(token!.permissions).toEqual(["deploy:write"]);
    const expires = Number(token!.expireTime!.seconds) * 1000;
    expect(expires).toBeGreaterThan(before + 590_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000);
    const verified = await h.client(VerifyService, h.acme.token).verify({ token: secret, permission: "deploy:write" });
    expect(verified.valid).toBe(true);
    const narrowed = await h.client(VerifyService, h.acme.token).verify({ token: secret, permission: "deploy:read" });
    expect(narrowed.reason).toBe("permission_denied");
  });

  it("is audited with the external subject and the claims that matched", async () => {
    const { token } = await exchange(await issuer.sign({ claims: ciClaims }));
    const { events } = await h.client(AuditService).listAuditEvents({ action: "token.exchange", target: token!.id });
    expect(events).toHaveLength(1);
    expect(events[0]!.outcome).toBe("ok");
    expect(events[0]!.actor!.accountId).toBe(deployer.accountId);
    expect(events[0]!.detail).toContain("sub=repo:acme/api:ref:refs/heads/main");
    expect(events[0]!.detail).toContain("repository=acme/api");
  });

  it("works over gRPC and gRPC-Web too, with no bearer token", async () => {
    for (const protocol of ["grpc", "grpc-web"] as const) {
      expect((await exchange(await issuer.sign({ claims: ciClaims }), protocol)).secret).toMatch(/^tsr_/);
    }
  });

  it("refuses expired, wrong-audience, wrong-issuer and not-yet-valid tokens", async () => {
    expect(await refusedWith(await issuer.sign({ claims: ciClaims, expiresIn: -10 }))).toBe("expired");
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, aud: "someone-else" } }))).toBe("audience_mismatch");
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, iss: "https://evil.example.com" } }))).toBe("issuer_mismatch");
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, nbf: future } }))).toBe("not_yet_valid");
  });

  it("refuses tokens issued in the future or more than a day ago, and says which claim is missing", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, iat: now + 3600 } }))).toBe("bad_issued_at");
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, iat: now - 2 * 86_400 }, expiresIn: 3600 }))).toBe("expired");
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, iat: undefined } }))).toBe("malformed");
  });

  it("refuses a token replayed after it expired, though it was accepted before", async () => {
    const token = await issuer.sign({ claims: ciClaims, expiresIn: 2 });
    await exchange(token);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(await refusedWith(token)).toBe("expired");
  });

  it("refuses tokens signed by a key the issuer does not publish, or with no or a symmetric algorithm", async () => {
    expect(await refusedWith(await issuer.sign({ claims: ciClaims, key: await issuer.foreignKey("key-1") }))).toBe("bad_signature");
    expect(await refusedWith(await issuer.sign({ claims: ciClaims, key: await issuer.foreignKey() }))).toBe("unknown_key");
    const unsigned = await issuer.sign({ claims: ciClaims });
    const [, payload] = unsigned.split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    expect(await refusedWith(none)).toBe("algorithm_not_allowed");
    const hs = `${Buffer.from(JSON.stringify({ alg: "HS256", kid: "key-1" })).toString("base64url")}.${payload}.${Buffer.from("x").toString("base64url")}`;
    expect(await refusedWith(hs)).toBe("algorithm_not_allowed");
    expect(await refusedWith("not-a-jwt")).toBe("malformed");
  });

  it("refuses tokens whose claims do not satisfy the policy", async () => {
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, ref: "refs/heads/feature" } }))).toBe("claims_mismatch");
    expect(await refusedWith(await issuer.sign({ claims: { repository: "acme/api" } }))).toBe("claims_mismatch");
    expect(await refusedWith(await issuer.sign({ claims: { ...ciClaims, repository: "evil/api" } }))).toBe("claims_mismatch");
  });

  it("matches patterns with * and nothing else", async () => {
    await h.client(FederationService).createTrustPolicy({
      policy: policyInput({
        name: "any-branch",
        conditions: [
          { claim: "repository", match: { case: "equals", value: "acme/api" } },
          { claim: "sub", match: { case: "pattern", value: "repo:acme/api:ref:refs/heads/*" } },
        ],
      }),
    });
    const sub = (value: string) => issuer.sign({ claims: { repository: "acme/api", sub: value } });
    expect((await exchange(await sub("repo:acme/api:ref:refs/heads/dev"), "connect", { policy: "any-branch" })).secret).toBeTruthy();
    for (const value of ["repo:acme/apix:ref:refs/heads/dev", "repo:acme/api:ref:refs/tags/v1", "xrepo:acme/api:ref:refs/heads/dev"]) {
      const error = await rejection(exchange(await sub(value), "connect", { policy: "any-branch" }));
      expect(reasonOf(error)).toBe("claims_mismatch");
    }
  });

  it("follows the issuer's key rotation", async () => {
    await issuer.rotate();
    expect((await exchange(await issuer.sign({ claims: ciClaims }))).secret).toBeTruthy();
  });

  it("answers an unknown organisation exactly like an unknown policy", async () => {
    const token = await issuer.sign({ claims: ciClaims });
    const unknownPolicy = await rejection(exchange(token, "connect", { policy: "nope" }));
    const unknownOrg = await rejection(exchange(token, "connect", { organization: "nowhere" }));
    expect(reasonOf(unknownPolicy)).toBe("no_trust_policy");
    expect(unknownOrg.rawMessage.replace("nowhere", "acme")).toBe(unknownPolicy.rawMessage.replace("nope", "github-main"));
  });

  it("names the field of a malformed request", async () => {
    const error = await rejection(h.client(FederationService, null).exchangeToken({ organization: "acme", policy: "github-main", token: "" }));
    expect([error.code, fieldOf(error)]).toEqual([Code.InvalidArgument, "token"]);
  });

  it("issues nothing for a disabled account", async () => {
    await h.client(ServiceAccountService).disableServiceAccount({ id: deployer.accountId });
    try {
      const error = await rejection(exchange(await issuer.sign({ claims: ciClaims })));
      expect([error.code, reasonOf(error)]).toEqual([Code.FailedPrecondition, "account_unavailable"]);
    } finally {
      await h.client(ServiceAccountService).enableServiceAccount({ id: deployer.accountId });
    }
  });

  it("audits refusals in the policy's organisation", async () => {
    await refusedWith(await issuer.sign({ claims: { ...ciClaims, ref: "refs/heads/evil" } }));
    const { events } = await h.client(AuditService).listAuditEvents({ action: "auth.failed", target: "github-main" });
    expect(events.some((e) => e.reason === "claims_mismatch")).toBe(true);
  });
});

describe("an issuer that cannot be reached", () => {
  it("answers UNAVAILABLE without its details, asks it again only after the cooldown, and counts against the client", async () => {
    const failing = await startHarness({ authFailureLimit: 3, env: localIssuers });
    let asked = 0;
    const down = http.createServer((_req, res) => {
      asked++;
      res.writeHead(500, { "content-type": "text/plain" }).end("INTERNAL-SECRET-STUFF");
    });
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    try {
      const account = await failing.provision("ci", [{ role: "developer", allEnvironments: true }]);
      const downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
      await failing.client(FederationService).createTrustPolicy({ policy: policyInput({ issuer: downUrl, serviceAccountId: account.accountId, permissions: [] }) });
      const attempt = () => failing.client(FederationService, null).exchangeToken({ organization: "acme", policy: "github-main", token: "x.y.z" });
      for (let i = 0; i < 3; i++) {
        const error = await rejection(attempt());
        expect([error.code, reasonOf(error)]).toEqual([Code.Unavailable, "issuer_unavailable"]);
        expect(error.rawMessage).not.toMatch(/500|INTERNAL|127\.0\.0\.1/);
      }
      expect(asked).toBe(1);
      expect((await rejection(attempt())).code).toBe(Code.ResourceExhausted);
    } finally {
      down.close();
      await failing.close();
    }
  });
});

describe("a service with default settings", () => {
  it("refuses a plain-http issuer even on loopback, and throttles refused exchanges per client", async () => {
    const limited = await startHarness({ authFailureLimit: 2 });
    try {
      const account = await limited.provision("ci", [{ role: "developer", allEnvironments: true }]);
      const local = limited.client(FederationService).createTrustPolicy({ policy: policyInput({ serviceAccountId: account.accountId, permissions: [] }) });
      const refused = await rejection(local);
      expect([refused.code, fieldOf(refused)]).toEqual([Code.InvalidArgument, "policy.issuer"]);

      const client = limited.client(FederationService, null);
      const attempt = () => client.exchangeToken({ organization: "acme", policy: "missing", token: "x.y.z" });
      for (let i = 0; i < 2; i++) expect((await rejection(attempt())).code).toBe(Code.Unauthenticated);
      const throttled = await rejection(attempt());
      expect([throttled.code, reasonOf(throttled)]).toEqual([Code.ResourceExhausted, "auth_rate_limited"]);
    } finally {
      await limited.close();
    }
  });
});
