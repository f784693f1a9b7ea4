// Confirmation codes, tool offers by permission and tool error texts, over an in-memory MCP
// transport and a router transport standing in for the identity API (no network, no database).
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { identityPermissions } from "../../client/permissions.ts";
import { describe, expect, it } from "vitest";
import { clientsOver } from "../../client/client.ts";
import { subjectTokenHeader } from "../../client/headers.ts";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { ErrorDetailSchema } from "../../gen/tessera/identity/v1/common_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { OrganizationService } from "../../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { canonicalJson, ConfirmationCodes, confirmationTtlMs } from "../../mcp/confirmation.ts";
import { toolErrorText } from "../../mcp/errors.ts";
import type { Caller } from "../../mcp/permissions.ts";
import { createMcpServer, tools } from "../../mcp/server.ts";

const services: DescService[] = [ServiceAccountService, TokenService, VerifyService, RoleService, EnvironmentService, OrganizationService, AuditService];

/** An identity API whose every method answers `answer(method)` and counts its calls. */
function fakeIdentity(answer: (method: string) => unknown) {
  const calls: string[] = [];
  const transport = createRouterTransport((router: ConnectRouter) => {
    for (const service of services) {
      const impl = Object.fromEntries(
        service.methods.map((m) => [
          m.localName,
          () => {
            calls.push(m.localName);
            return answer(m.localName);
          },
        ]),
      );
      router.service(service, impl as never);
    }
  });
  return { identity: clientsOver(transport), calls };
}

async function connect(options: { caller?: Caller; confirmations?: ConfirmationCodes; answer?: (method: string) => unknown; delegated?: boolean }) {
  const fake = fakeIdentity(options.answer ?? (() => ({})));
  const server = createMcpServer({ ...options, identity: fake.identity, onUnexpected: () => {} });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "unit", version: "1" });
  await client.connect(clientSide);
  return { client, calls: fake.calls };
}

const text = (result: CallToolResult) => (result.content as { text: string }[])[0]!.text;
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

/** Text that reads as sentences: one line, ending in a full stop, none run into the next. */
function expectSentences(value: string): void {
  expect(value).not.toMatch(/\n/);
  expect(value).toMatch(/[.!?]$/);
  // Confirmation codes (expiry.nonce.mac, random letters) are not prose.
  const prose = value.replace(/[a-z0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, "CODE");
  expect(prose, value).not.toMatch(/[a-z0-9)"][.!?][A-Z]/);
  expect(value, value).not.toMatch(/[a-z][:;,][A-Za-z]/);
  expect(value).not.toMatch(/\.\s*\./);
}

describe("confirmation codes", () => {
  it("hold for the same tool, arguments in any order, and caller; once", () => {
    const codes = new ConfirmationCodes();
    const { code, expiresAt } = codes.issue("revoke_token", { id: "tok_1", reason: "leak" }, "tok_caller");
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(confirmationTtlMs - 2000);
    expect(codes.redeem(code, "revoke_token", { reason: "leak", id: "tok_1" }, "tok_caller")).toBeUndefined();
    expect(codes.redeem(code, "revoke_token", { reason: "leak", id: "tok_1" }, "tok_caller")).toBe("used");
  });

  it("refuse other arguments, another tool, another caller, another process and tampering", () => {
    const codes = new ConfirmationCodes();
    const { code } = codes.issue("delete_token", { id: "tok_1" }, "tok_caller");
    expect(codes.redeem(code, "delete_token", { id: "tok_2" }, "tok_caller")).toBe("mismatch");
    expect(codes.redeem(code, "delete_token", { id: "tok_1", extra: 1 }, "tok_caller")).toBe("mismatch");
    expect(codes.redeem(code, "revoke_token", { id: "tok_1" }, "tok_caller")).toBe("mismatch");
    expect(codes.redeem(code, "delete_token", { id: "tok_1" }, "tok_other")).toBe("mismatch");
    expect(new ConfirmationCodes().redeem(code, "delete_token", { id: "tok_1" }, "tok_caller")).toBe("mismatch");
    const [expiry, nonce, mac] = code.split(".");
    const later = (parseInt(expiry!, 36) + 3600).toString(36);
    expect(codes.redeem(`${later}.${nonce}.${mac}`, "delete_token", { id: "tok_1" }, "tok_caller")).toBe("mismatch");
    expect(codes.redeem("yes", "delete_token", { id: "tok_1" }, "tok_caller")).toBe("malformed");
    // Refusals do not use the code up.
    expect(codes.redeem(code, "delete_token", { id: "tok_1" }, "tok_caller")).toBeUndefined();
  });

  it("expire after five minutes", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const codes = new ConfirmationCodes(() => now);
    const { code, expiresAt } = codes.issue("delete_token", { id: "tok_1" }, "tok_caller");
    expect(expiresAt.toISOString()).toBe("2026-01-01T00:05:00.000Z");
    now += confirmationTtlMs - 1000;
    const second = codes.issue("delete_token", { id: "tok_1" }, "tok_caller");
    now += 1000;
    expect(codes.redeem(code, "delete_token", { id: "tok_1" }, "tok_caller")).toBe("expired");
    expect(codes.redeem(second.code, "delete_token", { id: "tok_1" }, "tok_caller")).toBeUndefined();
  });

  it("bind arguments by canonical JSON", () => {
    expect(canonicalJson({ b: [2, { d: 1, c: undefined }], a: "x" })).toBe('{"a":"x","b":[2,{"d":1}]}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe("destructive tools over MCP", () => {
  const caller = { tokenId: "tok_alice", permissions: ["*"] };
  const deleteAnswer = (method: string) =>
    method === "getToken" ? { token: { id: "tok_1", label: "ci", hint: "abcd", state: 3, accountId: "sa_1" } } : {};

  it("change nothing until the call carries the code, which works once", async () => {
    const { client, calls } = await connect({ caller, answer: deleteAnswer });
    const first = await call(client, "delete_token", { id: "tok_1" });
    expect(first.isError).toBeFalsy();
    expect(calls).toEqual(["getToken"]);
    const { code, action } = (first.structuredContent as { confirmationRequired: { code: string; action: string } }).confirmationRequired;
    expect(action).toBe('This deletes the revoked token "ci" (tok_1, ending in …abcd) of service account sa_1 for good, with its history; it cannot be undone.');
    expectSentences(text(first));
    expect((await call(client, "delete_token", { id: "tok_1", confirmation: code })).structuredContent).toEqual({ deleted: "tok_1" });
    expect(calls).toEqual(["getToken", "deleteToken"]);
    const again = await call(client, "delete_token", { id: "tok_1", confirmation: code });
    expect([again.isError, text(again)]).toEqual([true, expect.stringMatching(/^confirmation_refused: This confirmation code has already been used\./)]);
    expectSentences(text(again));
    expect(calls).toEqual(["getToken", "deleteToken"]);
  });

  it("refuse a code issued to another caller, even by the same process", async () => {
    const confirmations = new ConfirmationCodes();
    const alice = await connect({ caller, confirmations, answer: deleteAnswer });
    const mallory = await connect({ caller: { tokenId: "tok_mallory", permissions: ["*"] }, confirmations, answer: deleteAnswer });
    const { code } = ((await call(alice.client, "delete_token", { id: "tok_1" })).structuredContent as { confirmationRequired: { code: string } })
      .confirmationRequired;
    const stolen = await call(mallory.client, "delete_token", { id: "tok_1", confirmation: code });
    expect(text(stolen)).toMatch(/^confirmation_refused: This confirmation code was issued for another call/);
    expect(mallory.calls).toEqual([]);
    // The code is still good for the caller it was issued to, on another server of the process.
    const again = await connect({ caller, confirmations, answer: deleteAnswer });
    expect((await call(again.client, "delete_token", { id: "tok_1", confirmation: code })).isError).toBeFalsy();
  });

  it("describe the action plainly when the caller may change but not read the target", async () => {
    const { client } = await connect({
      caller,
      answer: (method) => {
        if (method === "getServiceAccount") throw new ConnectError("needs accounts.read", Code.PermissionDenied);
        return {};
      },
    });
    const first = await call(client, "disable_service_account", { id: "sa_1" });
    expect((first.structuredContent as { confirmationRequired: { action: string } }).confirmationRequired.action).toBe(
      'Disable a service account. Arguments: {"id":"sa_1"}.',
    );
  });
});

describe("tools by permission", () => {
  const names = async (permissions: string[]) => (await (await connect({ caller: { tokenId: "t", permissions } })).client.listTools()).tools;

  it("offers the wildcard every tool, and a token narrowed to reads only read-only ones", async () => {
    expect(await names(["*"])).toHaveLength(tools.length);
    const reads = await names(["accounts.read"]);
    expect(reads.map((t) => t.name).sort()).toEqual([
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
    expect(reads.every((t) => t.annotations?.readOnlyHint)).toBe(true);
  });

  it("declares a known permission for every tool but the open ones", () => {
    for (const tool of tools) {
      const open = ["whoami", "list_roles", "list_environments", "get_organization"].includes(tool.name);
      expect(tool.requiredPermissions.length === 0, tool.name).toBe(open);
      expect(tool.requiredPermissions.every((p) => (identityPermissions as readonly string[]).includes(p)), tool.name).toBe(true);
      if (tool.annotations.readOnlyHint) expect(tool.requiredPermissions.every((p) => p.endsWith(".read") || p === "tokens.verify"), tool.name).toBe(true);
      expect(Boolean(tool.confirm), tool.name).toBe(Boolean(tool.annotations.destructiveHint));
    }
  });

  it("answers a tool the token may not use with a tool error naming the permission", async () => {
    const { client, calls } = await connect({ caller: { tokenId: "t", permissions: ["accounts.read"] } });
    const result = await call(client, "create_role", { name: "x", permissions: ["y"] });
    expect([result.isError, text(result)]).toEqual([
      true,
      "permission_denied: create_role needs the roles.write permission, which your token does not grant, so this server does not offer it. Use whoami to see your permissions, or ask an administrator.",
    ]);
    expect(calls).toEqual([]);
  });
});

describe("tool error texts", () => {
  const detail = (reason: string, field = "") => [{ desc: ErrorDetailSchema, value: { reason, field } }];

  it("read as sentences, whatever the identity service's message looks like", () => {
    const cases: [ConnectError, string][] = [
      [
        new ConnectError(`${subjectTokenHeader}: the token has expired`, Code.Unauthenticated, undefined, detail("expired", subjectTokenHeader)),
        "unauthenticated: The token has expired. Reason: expired. Your token is no longer valid; get a new one.",
      ],
      [
        new ConnectError("first line\nsecond line", Code.InvalidArgument, undefined, detail("invalid_argument", "role_bindings[0].role")),
        "invalid_argument: First line second line. Field: role_bindings[0].role. Fix the named field and call the tool again.",
      ],
      [new ConnectError("", Code.NotFound), expect.stringMatching(/^not_found: Check the id or name: list_service_accounts or list_tokens/)],
      [new ConnectError('the role "x" is bound (2 accounts).', Code.FailedPrecondition), expect.stringMatching(/^failed_precondition: The role "x" is bound \(2 accounts\)\. The resource/)],
    ];
    for (const [error, expected] of cases) {
      expect(toolErrorText(error)).toEqual(expected);
      expectSentences(toolErrorText(error));
    }
  });

  it("blame the caller's token, not a credential, when there is no delegation", () => {
    const error = new ConnectError("the token has expired", Code.Unauthenticated, undefined, detail("expired"));
    expect(toolErrorText(error)).toMatch(/The MCP server's own credential was refused/);
    expect(toolErrorText(error, false)).toMatch(/Your token is no longer valid; get a new one\.$/);
  });

  it.each(tools.map((t) => t.name))("%s answers failures, bad arguments and refused codes in sentences", async (name) => {
    const tool = tools.find((t) => t.name === name)!;
    const { client } = await connect({
      caller: { tokenId: "t", permissions: ["*"] },
      answer: () => {
        throw new ConnectError("something\nwent wrong", Code.FailedPrecondition, undefined, detail("conflict", "name"));
      },
    });
    const args = Object.fromEntries(Object.keys(tool.inputSchema).map((key) => [key, { not: "valid" }]));
    const bad = await call(client, name, args);
    if (Object.keys(args).length > 0) {
      expect(bad.isError).toBe(true);
      expectSentences(text(bad));
    }
    const valid: Record<string, Record<string, unknown>> = {
      update_organization: { maxTokenTtlSeconds: 60 },
      create_role: { name: "x", permissions: ["y"] },
      rotate_token: { id: "tok_1", gracePeriodSeconds: 60 },
      create_token: { accountId: "sa_1", label: "x" },
      verify_token: { token: "tsr_x" },
    };
    const input = valid[name] ?? (Object.keys(tool.inputSchema).includes("id") ? { id: "x_1" } : Object.keys(tool.inputSchema).includes("name") ? { name: "x" } : {});
    let failed = await call(client, name, input);
    const asked = (failed.structuredContent as { confirmationRequired?: { code: string } } | undefined)?.confirmationRequired;
    // A confirmation that reads nothing first: the failure comes with the confirmed call.
    if (asked) failed = await call(client, name, { ...input, confirmation: asked.code });
    expect(failed.isError, name).toBe(true);
    expectSentences(text(failed));
    if (tool.confirm) {
      const refused = await call(client, name, { ...(Object.keys(tool.inputSchema).includes("id") ? { id: "x_1" } : { name: "x" }), confirmation: "nope" });
      expectSentences(text(refused));
    }
  });
});
