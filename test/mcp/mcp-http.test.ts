import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import pino from "pino";
import { listenMcp } from "../../mcp/http.ts";
import { identityTransport } from "../../mcp/identity-clients.ts";
import { tools } from "../../mcp/server.ts";
import { issueToken } from "../../services/identity/domain/token-format.ts";
import { callConfirmed, callTool, confirmationCode, rawInitialize, startMcpHarness, texts, type McpHarness } from "./mcp-support.ts";

let m: McpHarness;
let assistant: { accountId: string; token: string; tokenId: string };
let client: Client;
let admin: Client;

beforeAll(async () => {
  m = await startMcpHarness();
  await m.h.client(EnvironmentService).createEnvironment({ name: "staging" });
  assistant = await m.h.provision("claude-bot", [
    { role: "developer", allEnvironments: true },
    { role: "security-analyst", allEnvironments: true },
    { role: "verifier", allEnvironments: true },
  ]);
  client = await m.connect(assistant.token);
  admin = await m.connect(m.h.acme.token);
});
afterAll(() => m.close());

const call = (name: string, args: Record<string, unknown> = {}, on: Client = client) => callTool(on, name, args);
const ok = async (name: string, args: Record<string, unknown> = {}, on: Client = client) => {
  const result = await call(name, args, on);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as Record<string, any>;
};
/** A destructive tool, confirmed the way the user would. */
const confirmed = async (name: string, args: Record<string, unknown>, on: Client = client) => {
  const result = await callConfirmed(on, name, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as Record<string, any>;
};
const errorText = async (name: string, args: Record<string, unknown>, on?: Client) => {
  const result = await call(name, args, on);
  expect(result.isError).toBe(true);
  return texts(result)[0]!;
};

const readOnly = [
  "whoami",
  "list_service_accounts",
  "get_service_account",
  "list_tokens",
  "get_token",
  "verify_token",
  "list_roles",
  "list_environments",
  "get_organization",
  "list_audit_events",
  "get_hygiene_report",
  "list_trust_policies",
  "list_webhooks",
  "list_webhook_deliveries",
];
const destructive = [
  "disable_service_account",
  "delete_service_account",
  "revoke_token",
  "delete_token",
  "rotate_token",
  "delete_role",
  "delete_environment",
  "delete_trust_policy",
  "delete_webhook",
];

describe("MCP over Streamable HTTP", () => {
  it("negotiates the newest protocol revision the SDK knows", async () => {
    const response = await rawInitialize(m.mcp.url, { authorization: `Bearer ${assistant.token}` });
    expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    // README.md and docs/mcp.md name the revision: update them when the SDK moves on.
    expect(LATEST_PROTOCOL_VERSION).toBe("2025-11-25");
  });

  it("offers an admin a tool for every RPC, each with a description, schemas, annotations and its permissions", async () => {
    const { tools: listed } = await admin.listTools();
    expect(listed.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
    expect(listed).toHaveLength(34);
    for (const tool of listed) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(60);
      expect(tool.description, tool.name).toContain("Example");
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(readOnly.includes(tool.name));
      expect(Boolean(tool.annotations?.destructiveHint), tool.name).toBe(destructive.includes(tool.name));
      expect(typeof tool.annotations?.idempotentHint, tool.name).toBe("boolean");
      expect(tool._meta?.["tessera/requiredPermissions"], tool.name).toEqual(tools.find((t) => t.name === tool.name)!.requiredPermissions);
      // Destructive tools ask for a confirmation, which the input schema names.
      expect(Object.keys(tool.inputSchema.properties ?? {}).includes("confirmation"), tool.name).toBe(destructive.includes(tool.name));
      expect(tool._meta?.["tessera/confirmation"], tool.name).toBe(
        tool.name === "rotate_token" ? "conditional" : destructive.includes(tool.name) ? "required" : "none",
      );
    }
  });

  it("offers the runbooks as prompts", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["offboard-service-account", "review-access", "rotate-token-without-downtime"]);
    const prompt = await client.getPrompt({ name: "rotate-token-without-downtime", arguments: { tokenId: "tok_abc" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toContain("rotate_token");
    expect(prompts.find((p) => p.name === "rotate-token-without-downtime")!.arguments).toEqual([
      { name: "tokenId", description: 'the token to rotate, "tok_…"', required: true },
    ]);
  });

  it("names the argument a prompt is missing, and the prompt that does not exist", async () => {
    await expect(client.getPrompt({ name: "rotate-token-without-downtime", arguments: {} })).rejects.toThrow(/-32602.*tokenId/);
    await expect(client.getPrompt({ name: "no-such-runbook" })).rejects.toThrow(/-32602.*no-such-runbook not found/);
  });

  it("runs the whole account and token lifecycle through tools", async () => {
    const me = await ok("whoami");
    expect(me.identity.account.name).toBe("claude-bot");
    expect(me).toMatchObject({ delegate: "mcp-server", channel: "mcp" });
    expect((await ok("list_roles")).roles.map((r: { name: string }) => r.name)).toContain("developer");
    expect((await ok("list_environments")).environments).toEqual([{ name: "staging", description: "" }]);

    const { serviceAccount } = await ok("create_service_account", {
      name: "lifecycle-made",
      owner: "platform",
      roleBindings: [{ role: "viewer", environments: ["staging"] }],
    });
    expect(serviceAccount.roleBindings).toEqual([{ role: "viewer", environments: ["staging"] }]);
    expect((await ok("get_service_account", { id: serviceAccount.id })).serviceAccount.owner).toBe("platform");
    const updated = await ok("update_service_account", { id: serviceAccount.id, description: "made by an assistant" });
    expect(updated.serviceAccount).toMatchObject({ description: "made by an assistant", owner: "platform" });
    expect((await ok("list_service_accounts", { namePrefix: "lifecycle-" })).serviceAccounts).toHaveLength(1);

    const created = await ok("create_token", { accountId: serviceAccount.id, label: "ci", ttlSeconds: 3600 });
    expect(created.secret).toMatch(/^tsr_/);
    expect(created.notice).toContain("only time");
    expect((await ok("get_token", { id: created.token.id })).token.state).toBe("active");
    expect((await ok("list_tokens", { accountId: serviceAccount.id })).tokens).toHaveLength(1);
    const verified = await ok("verify_token", { token: created.secret, permission: "accounts.read", environment: "staging" });
    expect(verified.identity.account.name).toBe("lifecycle-made");

    // With a grace period, rotating is not destructive: no confirmation.
    const rotated = await ok("rotate_token", { id: created.token.id, gracePeriodSeconds: 60 });
    expect(rotated.previousToken.rotatedToTokenId).toBe(rotated.token.id);
    const revoked = await confirmed("revoke_token", { id: rotated.token.id, reason: "test" });
    expect(revoked.token.state).toBe("revoked");
    expect((await ok("restore_token", { id: rotated.token.id })).token.state).toBe("active");
    await confirmed("revoke_token", { id: rotated.token.id });
    expect(await confirmed("delete_token", { id: rotated.token.id })).toEqual({ deleted: rotated.token.id });

    expect((await confirmed("disable_service_account", { id: serviceAccount.id })).serviceAccount.status).toBe("disabled");
    expect((await ok("enable_service_account", { id: serviceAccount.id })).serviceAccount.status).toBe("active");

    const { events } = await ok("list_audit_events", { target: serviceAccount.id });
    expect(events[0]).toMatchObject({
      action: "service_account.enable",
      actor: { name: "claude-bot" },
      delegate: { name: "mcp-server", id: m.mcpAccountId },
      channel: "mcp",
      outcome: "ok",
    });
    expect(await confirmed("delete_service_account", { id: serviceAccount.id })).toEqual({ deleted: serviceAccount.id, revokedTokenCount: 1 });
  });

  it("manages roles, environments and the token policy through tools", async () => {
    const { role } = await ok("create_role", { name: "deployer", description: "CI deploys", permissions: ["deploy:write", "accounts.read"] }, admin);
    expect(role).toEqual({ name: "deployer", description: "CI deploys", permissions: ["deploy:write", "accounts.read"], builtIn: false });
    expect((await ok("update_role", { name: "deployer", permissions: ["deploy:write"] }, admin)).role).toMatchObject({
      description: "CI deploys",
      permissions: ["deploy:write"],
    });
    expect(await errorText("update_role", { name: "admin", description: "mine now" }, admin)).toMatch(/^failed_precondition: .*built-in/);
    expect(await confirmed("delete_role", { name: "deployer" }, admin)).toEqual({ deleted: "deployer" });
    expect((await ok("list_roles", {}, admin)).roles.map((r: { name: string }) => r.name)).not.toContain("deployer");

    expect((await ok("create_environment", { name: "qa", description: "tests" }, admin)).environment).toEqual({ name: "qa", description: "tests" });
    expect(await confirmed("delete_environment", { name: "qa" }, admin)).toEqual({ deleted: "qa" });
    expect(await errorText("delete_environment", { name: "qa", confirmation: await confirmationCode(admin, "delete_environment", { name: "qa" }) }, admin)).toMatch(
      /^not_found:/,
    );

    expect((await ok("get_organization", {}, client)).organization).toMatchObject({
      name: "acme",
      tokenPolicy: { maxTokenTtlSeconds: null, defaultTokenTtlSeconds: null, revokeUnusedAfterSeconds: null },
    });
    const policy = await ok("update_organization", { maxTokenTtlSeconds: 7_776_000, defaultTokenTtlSeconds: 2_592_000 }, admin);
    expect(policy.organization.tokenPolicy).toEqual({ maxTokenTtlSeconds: 7_776_000, defaultTokenTtlSeconds: 2_592_000, revokeUnusedAfterSeconds: null });
    expect(await errorText("create_token", { accountId: assistant.accountId, label: "too-long", ttlSeconds: 9_000_000 })).toMatch(/^invalid_argument:/);
    const cleared = await ok("update_organization", { maxTokenTtlSeconds: null, defaultTokenTtlSeconds: null }, admin);
    expect(cleared.organization.tokenPolicy).toEqual({ maxTokenTtlSeconds: null, defaultTokenTtlSeconds: null, revokeUnusedAfterSeconds: null });
  });

  it("returns domain failures as tool errors a model can act on", async () => {
    const invalid = await errorText("get_service_account", { id: "nope" });
    expect(invalid).toMatch(/^invalid_argument: .*Field: id\./);
    expect(await errorText("get_token", { id: "tok_000000000000000000000000" })).toMatch(/^not_found: .*list_service_accounts or list_tokens/);
    const escalation = await errorText("create_service_account", { name: "too-strong", roleBindings: [{ role: "admin", environments: "all" }] });
    expect(escalation).toMatch(/^permission_denied: .*Reason: escalation\./);
    const verdict = await call("verify_token", { token: "tsr_junk" });
    expect([verdict.isError ?? false, verdict.structuredContent]).toEqual([false, { valid: false, reason: "malformed", message: expect.any(String) }]);
  });

  it("answers a missing permission with a tool error, not a protocol error", async () => {
    const viewer = await m.h.provision("mcp-viewer", [{ role: "viewer", allEnvironments: true }]);
    const limited = await m.connect(viewer.token);
    expect((await call("list_service_accounts", {}, limited)).isError).toBeFalsy();
    expect(await errorText("list_audit_events", {}, limited)).toMatch(/^permission_denied: list_audit_events needs the audit\.read permission/);
  });

  it("rejects invalid arguments before calling the identity service, in sentences", async () => {
    expect(await errorText("get_service_account", {})).toBe(
      "invalid_argument: The arguments do not match the input schema of get_service_account. id: Invalid input: expected string, received undefined. Fix the named field and call the tool again.",
    );
    expect(await errorText("create_service_account", { name: "x", roleBindings: [{ role: 1 }] })).toMatch(
      /^invalid_argument: .* roleBindings\[0\]\.role: Invalid input: expected string, received number\. roleBindings\[0\]\.environments: .*\. Fix/,
    );
    // An argument the tool does not take is named, not ignored (a misspelt page size meant the default).
    expect(await errorText("list_service_accounts", { page_size: 5 })).toMatch(/^invalid_argument: .*Unrecognized key: "page_size"/);
  });

  it("answers an unknown tool with a tool error that says where to look", async () => {
    expect(await errorText("drop_database", {})).toBe('not_found: There is no tool named "drop_database". The tools list shows the tools your token can use.');
  });
});

describe("tools by the caller's permissions", () => {
  const listedFor = async (token: string) => (await (await m.connect(token)).listTools()).tools;

  it("offers a token narrowed to reads a read-only server", async () => {
    // An admin account, but a token that may only read.
    const narrowed = await m.h.client(TokenService).createToken({ accountId: m.h.acme.accountId, label: "read-only", permissions: ["accounts.read"] });
    const listed = await listedFor(narrowed.secret);
    expect(listed.map((t) => t.name).sort()).toEqual([
      "get_hygiene_report",
      "get_organization",
      "get_service_account",
      "get_token",
      "list_environments",
      "list_roles",
      "list_service_accounts",
      "list_tokens",
      "list_trust_policies",
      "whoami",
    ]);
    expect(listed.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const session = await m.connect(narrowed.secret);
    expect(texts(await callTool(session, "delete_service_account", { id: assistant.accountId }))[0]).toMatch(
      /^permission_denied: delete_service_account needs the accounts\.write permission, which your token does not grant/,
    );
  });

  it("offers each role the tools its permissions cover", async () => {
    const names = async (role: string) => {
      const bot = await m.h.provision(`mcp-role-${role}`, [{ role, allEnvironments: true }]);
      return (await listedFor(bot.token)).map((t) => t.name).sort();
    };
    const open = ["get_organization", "list_environments", "list_roles", "whoami"];
    expect(await names("verifier")).toEqual([...open, "verify_token"].sort());
    expect(await names("security-analyst")).toEqual(
      [
        ...open,
        "get_hygiene_report",
        "get_service_account",
        "get_token",
        "list_audit_events",
        "list_service_accounts",
        "list_tokens",
        "list_trust_policies",
        "list_webhook_deliveries",
        "list_webhooks",
        "revoke_token",
      ].sort(),
    );
    expect((await listedFor(assistant.token)).map((t) => t.name)).not.toContain("create_role");
    expect(await listedFor(m.h.acme.token)).toHaveLength(34);
  });
});

describe("confirmation of destructive tools", () => {
  let victim: { accountId: string; tokenId: string; token: string };
  beforeAll(async () => {
    victim = await m.h.provision("confirm-victim", [{ role: "viewer", allEnvironments: true }]);
  });
  const stateOf = async (id: string) => (await m.h.client(TokenService).getToken({ id })).token!.state;

  it("changes nothing on the first call, and says what will happen", async () => {
    const result = await callTool(client, "revoke_token", { id: victim.tokenId, reason: "leaked" });
    const [text] = texts(result);
    expect(text).toMatch(/^Confirmation required: nothing has been changed yet\. This revokes the active token "test" \(tok_[0-9a-f]{24}, ending in …\w{4}\) of service account sa_/);
    expect(text).toContain("Show the user what will happen and this confirmation code:");
    expect(text).toMatch(/until \d{4}-\d\d-\d\dT[\d:.]+Z \(5 minutes\)\.$/);
    expect(await stateOf(victim.tokenId)).toBe(1);
  });

  it("refuses a code for other arguments, another tool, another caller, a made-up code and a reused one", async () => {
    const code = await confirmationCode(client, "revoke_token", { id: victim.tokenId, reason: "leaked" });
    const refused = async (name: string, args: Record<string, unknown>, on: Client = client) => {
      const result = await callTool(on, name, args);
      expect(result.isError, name).toBe(true);
      return texts(result)[0]!;
    };
    expect(await refused("revoke_token", { id: victim.tokenId, reason: "other", confirmation: code })).toMatch(
      /^confirmation_refused: This confirmation code was issued for another call: .* Nothing was changed\. Call revoke_token again without confirmation/,
    );
    expect(await refused("revoke_token", { id: victim.tokenId, confirmation: code })).toMatch(/^confirmation_refused: This confirmation code was issued for another call/);
    expect(await refused("delete_token", { id: victim.tokenId, confirmation: code })).toMatch(/^confirmation_refused: This confirmation code was issued for another call/);
    const other = await m.connect((await m.h.provision("confirm-other", [{ role: "security-analyst", allEnvironments: true }])).token);
    expect(await refused("revoke_token", { id: victim.tokenId, reason: "leaked", confirmation: code }, other)).toMatch(/^confirmation_refused: This confirmation code was issued for another call/);
    expect(await refused("revoke_token", { id: victim.tokenId, reason: "leaked", confirmation: "yes, I confirm" })).toMatch(
      /^confirmation_refused: The confirmation is not a code this server issued\./,
    );
    expect(await stateOf(victim.tokenId)).toBe(1);

    // Argument order does not matter; the code works once.
    expect((await callTool(client, "revoke_token", { reason: "leaked", confirmation: code, id: victim.tokenId })).isError).toBeFalsy();
    expect(await stateOf(victim.tokenId)).toBe(3);
    expect(await refused("revoke_token", { id: victim.tokenId, reason: "leaked", confirmation: code })).toMatch(/^confirmation_refused: This confirmation code has already been used\./);
  });

  it("asks before rotating without a grace period, not with one", async () => {
    const bot = await m.h.provision("confirm-rotate", [{ role: "viewer", allEnvironments: true }]);
    await confirmationCode(client, "rotate_token", { id: bot.tokenId });
    await confirmationCode(client, "rotate_token", { id: bot.tokenId, gracePeriodSeconds: 0 });
    const rotated = await callConfirmed(client, "rotate_token", { id: bot.tokenId });
    expect((rotated.structuredContent as { secret: string }).secret).toMatch(/^tsr_/);
    expect(await stateOf(bot.tokenId)).not.toBe(1);
  });

  it("answers not found at the first call for something that does not exist", async () => {
    expect(await errorText("delete_service_account", { id: "sa_000000000000000000000000" })).toMatch(/^not_found:/);
  });
});

describe("MCP operations endpoints", () => {
  const at = (path: string) => m.mcp.url.replace(/\/mcp$/, path);

  it("answers /healthz and /readyz without a token", async () => {
    expect([(await fetch(at("/healthz"))).status, (await fetch(at("/readyz"))).status]).toEqual([200, 200]);
    expect((await fetch(at("/healthz"), { method: "POST" })).status).toBe(405);
    expect((await fetch(at("/healthz"), { headers: { origin: "https://evil.example" } })).status).toBe(403);
  });

  it("is live but not ready while the identity service does not answer", async () => {
    const orphan = await listenMcp(
      { identity: identityTransport("http://127.0.0.1:1"), credential: "tsr_x", allowedOrigins: [], maxBodyBytes: 1024, log: pino({ level: "silent" }), healthTimeoutMs: 500 },
      "127.0.0.1",
      0,
    );
    try {
      const base = orphan.url.replace(/\/mcp$/, "");
      expect([(await fetch(`${base}/healthz`)).status, (await fetch(`${base}/readyz`)).status]).toEqual([200, 503]);
    } finally {
      await orphan.close();
    }
  });

  it("counts tool calls by tool and outcome, with their latency, at /metrics", async () => {
    await callTool(client, "whoami");
    await callTool(client, "get_token", { id: "tok_000000000000000000000000" });
    await callTool(client, "create_role", { name: "nope", permissions: ["x"] });
    await confirmationCode(client, "delete_token", { id: assistant.tokenId });
    const response = await fetch(at("/metrics"));
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    const count = (tool: string, outcome: string) =>
      Number(new RegExp(`^tessera_mcp_tool_calls_total\\{tool="${tool}",outcome="${outcome}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    expect(count("whoami", "ok")).toBeGreaterThan(0);
    expect(count("get_token", "tool_error")).toBeGreaterThan(0);
    expect(count("create_role", "refused")).toBeGreaterThan(0);
    expect(count("delete_token", "confirmation_required")).toBeGreaterThan(0);
    expect(text).toMatch(/^tessera_mcp_tool_call_duration_seconds_bucket\{le="0.1",tool="whoami",outcome="ok"\} \d+$/m);
    expect(text).toMatch(/^tessera_mcp_http_responses_total\{path="\/mcp",status="200"\} \d+$/m);
    // The MCP server's own registry: none of the identity service's metrics.
    expect(text).not.toContain("tessera_rpc_total");
  });
});

describe("MCP HTTP authentication", () => {
  const challenge = /^Bearer realm="tessera", error="invalid_token", error_description="[a-z_ ]+"$/;

  it.each([
    ["missing", undefined],
    ["malformed", "tsr_not-a-token"],
    ["unknown", issueToken("tsr").secret],
  ])("answers 401 with a WWW-Authenticate challenge for a %s token", async (_kind, token) => {
    const response = await rawInitialize(m.mcp.url, token ? { authorization: `Bearer ${token}` } : {});
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(challenge);
    expect(response.headers.has("www-authenticate") && !(await response.text()).includes("tsr_")).toBe(true);
  });

  it("answers 401 for an expired and for a revoked token", async () => {
    const bot = await m.h.provision("expiring-bot", [{ role: "viewer", allEnvironments: true }]);
    const short = await m.h.client(TokenService).createToken({ accountId: bot.accountId, label: "short", ttl: { seconds: 1n } });
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await rawInitialize(m.mcp.url, { authorization: `Bearer ${short.secret}` });
    expect([expired.status, expired.headers.get("www-authenticate")]).toEqual([401, expect.stringContaining('error_description="expired"')]);
    await m.h.client(TokenService).revokeToken({ id: bot.tokenId });
    const revoked = await rawInitialize(m.mcp.url, { authorization: `Bearer ${bot.token}` });
    expect([revoked.status, revoked.headers.get("www-authenticate")]).toEqual([401, expect.stringContaining('error_description="revoked"')]);
  });

  it("answers 401 for a token of a disabled account", async () => {
    const bot = await m.h.provision("disabled-assistant", [{ role: "viewer", allEnvironments: true }]);
    await m.h.client(ServiceAccountService).disableServiceAccount({ id: bot.accountId });
    const response = await rawInitialize(m.mcp.url, { authorization: `Bearer ${bot.token}` });
    expect([response.status, response.headers.get("www-authenticate")]).toEqual([
      401,
      expect.stringContaining('error_description="account_disabled"'),
    ]);
  });

  it("answers 403 to a token not meant for MCP", async () => {
    const billing = await m.h.client(TokenService).createToken({ accountId: assistant.accountId, label: "billing", audiences: ["billing"] });
    expect((await rawInitialize(m.mcp.url, { authorization: `Bearer ${billing.secret}` })).status).toBe(403);
    const forMcp = await m.h.client(TokenService).createToken({ accountId: assistant.accountId, label: "mcp", audiences: ["mcp"] });
    expect((await rawInitialize(m.mcp.url, { authorization: `Bearer ${forMcp.secret}` })).status).toBe(200);
  });

  it("refuses browser requests from origins it does not know", async () => {
    const auth = { authorization: `Bearer ${assistant.token}` };
    expect((await rawInitialize(m.mcp.url, { ...auth, origin: "https://evil.example" })).status).toBe(403);
    expect((await rawInitialize(m.mcp.url, { ...auth, origin: "https://console.example.com" })).status).toBe(200);
    expect((await rawInitialize(m.mcp.url, { ...auth, origin: "http://localhost:6274" })).status).toBe(200);
  });

  it("serves only /mcp, by POST, and bounds the body", async () => {
    expect((await fetch(m.mcp.url.replace("/mcp", "/other"), { method: "POST" })).status).toBe(404);
    expect((await fetch(m.mcp.url, { method: "GET" })).status).toBe(405);
    const huge = await fetch(m.mcp.url, {
      method: "POST",
      headers: { authorization: `Bearer ${assistant.token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(100_000) } }),
    });
    expect(huge.status).toBe(413);
  });

  it("cuts a caller off on the next call once its token is revoked", async () => {
    const victim = await m.h.provision("revoked-assistant", [{ role: "viewer", allEnvironments: true }]);
    const session = await m.connect(victim.token);
    expect((await call("whoami", {}, session)).isError).toBeFalsy();
    await m.h.client(TokenService).revokeToken({ id: victim.tokenId });
    // The identity service checks the caller's token on every tool call: the next one fails (as a
    // tool error while the MCP server still remembers the caller, as 401 once it does not).
    const next = await session.callTool({ name: "whoami", arguments: {} }).then(
      (result) => (result.isError ? String((result.content as { text: string }[])[0]!.text) : "ok"),
      () => "401",
    );
    expect(next).toMatch(/^(401|unauthenticated: .*Your token is no longer valid)/);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect(session.callTool({ name: "whoami", arguments: {} })).rejects.toThrow();
  });
});
