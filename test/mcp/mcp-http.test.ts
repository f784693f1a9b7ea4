import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { issueToken } from "../../services/identity/domain/token-format.ts";
import { rawInitialize, startMcpHarness, type McpHarness } from "./mcp-support.ts";

let m: McpHarness;
let assistant: { accountId: string; token: string; tokenId: string };
let client: Client;

beforeAll(async () => {
  m = await startMcpHarness();
  await m.h.client(EnvironmentService).createEnvironment({ name: "staging" });
  assistant = await m.h.provision("claude-bot", [
    { role: "developer", allEnvironments: true },
    { role: "security-analyst", allEnvironments: true },
    { role: "verifier", allEnvironments: true },
  ]);
  client = await m.connect(assistant.token);
});
afterAll(() => m.close());

async function call(name: string, args: Record<string, unknown> = {}, on: Client = client) {
  const result = (await on.callTool({ name, arguments: args })) as CallToolResult;
  if (!result.isError) {
    // The same JSON as structured content and as text.
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
  }
  return result;
}
const ok = async (name: string, args: Record<string, unknown> = {}) => {
  const result = await call(name, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as Record<string, any>;
};
const errorText = async (name: string, args: Record<string, unknown>, on?: Client) => {
  const result = await call(name, args, on);
  expect(result.isError).toBe(true);
  return (result.content[0] as { text: string }).text;
};

const readOnly = ["whoami", "list_service_accounts", "get_service_account", "list_tokens", "get_token", "verify_token", "list_roles", "list_environments", "list_audit_events"];
const destructive = ["disable_service_account", "delete_service_account", "revoke_token", "delete_token"];

describe("MCP over Streamable HTTP", () => {
  it("lists every tool with a description, schemas and annotations", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [...readOnly, "create_service_account", "update_service_account", "enable_service_account", "delete_service_account", "disable_service_account", "create_token", "rotate_token", "revoke_token", "restore_token", "delete_token"].sort(),
    );
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(60);
      expect(tool.description, tool.name).toContain("Example");
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(readOnly.includes(tool.name));
      expect(Boolean(tool.annotations?.destructiveHint), tool.name).toBe(destructive.includes(tool.name));
    }
  });

  it("offers the runbooks as prompts", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["offboard-service-account", "review-access", "rotate-token-without-downtime"]);
    const prompt = await client.getPrompt({ name: "rotate-token-without-downtime", arguments: { tokenId: "tok_abc" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toContain("rotate_token");
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

    const rotated = await ok("rotate_token", { id: created.token.id, gracePeriodSeconds: 60 });
    expect(rotated.previousToken.rotatedToTokenId).toBe(rotated.token.id);
    const revoked = await ok("revoke_token", { id: rotated.token.id, reason: "test" });
    expect(revoked.token.state).toBe("revoked");
    expect((await ok("restore_token", { id: rotated.token.id })).token.state).toBe("active");
    await ok("revoke_token", { id: rotated.token.id });
    expect(await ok("delete_token", { id: rotated.token.id })).toEqual({ deleted: rotated.token.id });

    expect((await ok("disable_service_account", { id: serviceAccount.id })).serviceAccount.status).toBe("disabled");
    expect((await ok("enable_service_account", { id: serviceAccount.id })).serviceAccount.status).toBe("active");

    const { events } = await ok("list_audit_events", { target: serviceAccount.id });
    expect(events[0]).toMatchObject({
      action: "service_account.enable",
      actor: { name: "claude-bot" },
      delegate: { name: "mcp-server", id: m.mcpAccountId },
      channel: "mcp",
      outcome: "ok",
    });
    expect(await ok("delete_service_account", { id: serviceAccount.id })).toEqual({ deleted: serviceAccount.id, revokedTokenCount: 1 });
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
    expect(await errorText("list_audit_events", {}, limited)).toMatch(/^permission_denied:/);
  });

  it("rejects invalid arguments before calling the identity service", async () => {
    const result = await call("get_service_account", {});
    expect(result.isError).toBe(true);
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
