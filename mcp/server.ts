// The MCP server: every tool and prompt, registered on a fresh server per caller (stateless).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import offboardAccount from "./prompts/offboard-account.ts";
import reviewAccess from "./prompts/review-access.ts";
import rotateTokenPrompt from "./prompts/rotate-token.ts";
import { registerPrompt } from "./prompt.ts";
import { registerTool, type ToolContext } from "./tool.ts";
import createServiceAccount from "./tools/create-service-account.ts";
import createToken from "./tools/create-token.ts";
import deleteServiceAccount from "./tools/delete-service-account.ts";
import deleteToken from "./tools/delete-token.ts";
import disableServiceAccount from "./tools/disable-service-account.ts";
import enableServiceAccount from "./tools/enable-service-account.ts";
import getServiceAccount from "./tools/get-service-account.ts";
import getToken from "./tools/get-token.ts";
import listAuditEvents from "./tools/list-audit-events.ts";
import listEnvironments from "./tools/list-environments.ts";
import listRoles from "./tools/list-roles.ts";
import listServiceAccounts from "./tools/list-service-accounts.ts";
import listTokens from "./tools/list-tokens.ts";
import restoreToken from "./tools/restore-token.ts";
import revokeToken from "./tools/revoke-token.ts";
import rotateToken from "./tools/rotate-token.ts";
import updateServiceAccount from "./tools/update-service-account.ts";
import verifyToken from "./tools/verify-token.ts";
import whoami from "./tools/whoami.ts";

export const tools = [
  whoami,
  listServiceAccounts,
  getServiceAccount,
  createServiceAccount,
  updateServiceAccount,
  disableServiceAccount,
  enableServiceAccount,
  deleteServiceAccount,
  listTokens,
  getToken,
  createToken,
  rotateToken,
  revokeToken,
  restoreToken,
  deleteToken,
  verifyToken,
  listRoles,
  listEnvironments,
  listAuditEvents,
];

export const prompts = [rotateTokenPrompt, offboardAccount, reviewAccess];

export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: "tessera", title: "Tessera machine identities", version: "0.1.0" },
    {
      capabilities: { logging: {} },
      instructions:
        "Tessera manages service accounts and API tokens. Start with whoami to see your permissions. Token secrets are shown once, by create_token and rotate_token: hand them to the user and never repeat them.",
    },
  );
  for (const tool of tools) registerTool(server, tool as never, ctx);
  for (const prompt of prompts) registerPrompt(server, prompt as never);
  return server;
}
