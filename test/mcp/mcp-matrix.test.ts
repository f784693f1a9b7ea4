// Every MCP tool against callers that must be refused: a token with no permissions is offered only
// the open tools and gets a tool error (never a protocol error) for the others, unknown ids are not
// found (destructive tools say so at once, before asking for confirmation), another organisation's
// token is refused at the door, and handing out more than one holds is refused.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tools } from "../../mcp/server.ts";
import { startMcpHarness, type McpHarness } from "./mcp-support.ts";

let m: McpHarness;
let powerless: Client;
let developer: Client;
let target: { accountId: string; tokenId: string; token: string };

beforeAll(async () => {
  m = await startMcpHarness();
  target = await m.h.provision("matrix-target", [{ role: "viewer", allEnvironments: true }]);
  powerless = await m.connect((await m.h.provision("matrix-nobody", [])).token);
  developer = await m.connect((await m.h.provision("matrix-dev", [{ role: "developer", allEnvironments: true }])).token);
});
afterAll(() => m.close());

const args = (): Record<string, Record<string, unknown>> => ({
  whoami: {},
  list_service_accounts: {},
  get_service_account: { id: target.accountId },
  create_service_account: { name: "matrix-new" },
  update_service_account: { id: target.accountId, description: "x" },
  disable_service_account: { id: target.accountId },
  enable_service_account: { id: target.accountId },
  delete_service_account: { id: target.accountId },
  list_tokens: { accountId: target.accountId },
  get_token: { id: target.tokenId },
  create_token: { accountId: target.accountId, label: "x" },
  rotate_token: { id: target.tokenId },
  revoke_token: { id: target.tokenId },
  restore_token: { id: target.tokenId },
  delete_token: { id: target.tokenId },
  verify_token: { token: target.token },
  list_roles: {},
  create_role: { name: "matrix-role", permissions: ["accounts.read"] },
  update_role: { name: "matrix-role", description: "x" },
  delete_role: { name: "matrix-role" },
  list_environments: {},
  create_environment: { name: "matrix-env" },
  delete_environment: { name: "matrix-env" },
  get_organization: {},
  update_organization: { maxTokenTtlSeconds: 86400 },
  list_audit_events: {},
  get_hygiene_report: {},
  list_trust_policies: {},
  create_trust_policy: {
    name: "matrix-policy",
    issuer: "https://token.actions.githubusercontent.com",
    audiences: ["tessera"],
    conditions: [{ claim: "repository", equals: "acme/app" }],
    serviceAccountId: target.accountId,
  },
  delete_trust_policy: { name: "matrix-policy" },
  list_webhooks: {},
  list_webhook_deliveries: {},
  create_webhook: { url: "https://hooks.example.com/tessera", events: ["token.leaked"] },
  delete_webhook: { id: `wh_${"0".repeat(24)}` },
});
const toolNames = tools.map((t) => t.name);
const open = new Set(["whoami", "list_roles", "list_environments", "get_organization"]);
const targeted = new Set(["get_service_account", "update_service_account", "disable_service_account", "enable_service_account", "delete_service_account", "list_tokens", "get_token", "create_token", "rotate_token", "revoke_token", "restore_token", "delete_token"]);

async function call(client: Client, name: string): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args()[name] })) as CallToolResult;
}
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe("every MCP tool", () => {
  it("has a call in this matrix", () => {
    expect(Object.keys(args()).sort()).toEqual([...toolNames].sort());
  });

  it("is offered to a token without permissions only when it needs none", async () => {
    expect((await powerless.listTools()).tools.map((t) => t.name).sort()).toEqual([...open].sort());
  });

  it.each(toolNames.filter((n) => !open.has(n)))("%s refuses a token without the permission, as a tool error", async (name) => {
    const result = await call(powerless, name);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(new RegExp(`^permission_denied: ${name} needs the [a-z.]+( and [a-z.]+)? permissions?, which your token does not grant`));
  });

  it.each(toolNames.filter((n) => open.has(n)))("%s is open to every authenticated caller", async (name) => {
    expect((await call(powerless, name)).isError).toBeFalsy();
  });

  it("refuses another organisation's token at the door: the MCP server serves its own organisation", async () => {
    const outsider = await m.h.provision("globex-admin-bot", [{ role: "admin", allEnvironments: true }], "globex");
    await expect(m.connect(outsider.token)).rejects.toThrow(/unauthorized: unknown/);
  });

  it.each([...targeted])("%s answers NOT_FOUND for ids that do not exist in the organisation", async (name) => {
    const input = { ...args()[name] };
    for (const key of ["id", "accountId"]) {
      if (key in input) input[key] = String(input[key]).replace(/[0-9a-f]{24}$/, "0".repeat(24));
    }
    const result = (await developer.callTool({ name, arguments: input })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^not_found:/);
  });

  it("refuses escalation through create_service_account, update_service_account and create_token", async () => {
    const admin = (await m.h.provision("matrix-admin-bot", [{ role: "admin", allEnvironments: true }])).accountId;
    for (const [name, input] of [
      ["create_service_account", { name: "matrix-escalate", roleBindings: [{ role: "admin", environments: "all" }] }],
      ["update_service_account", { id: target.accountId, roleBindings: [{ role: "admin", environments: "all" }] }],
      ["create_token", { accountId: admin, label: "steal" }],
    ] as const) {
      const result = (await developer.callTool({ name, arguments: input })) as CallToolResult;
      expect(result.isError, name).toBe(true);
      expect(text(result), name).toMatch(/^permission_denied: .*Reason: (escalation|superior)\./);
    }
  });
});
