// The MCP server: the tools the caller's token can use and every prompt, on a fresh server per
// caller (stateless). Every request is answered here from the declarative definitions, whose
// listings are made once per process, so a server costs little more than its handlers.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { ConfirmationCodes } from "./confirmation.ts";
import type { McpMetrics } from "./metrics.ts";
import { covers, missing, type Caller } from "./permissions.ts";
import offboardAccount from "./prompts/offboard-account.ts";
import reviewAccess from "./prompts/review-access.ts";
import rotateTokenPrompt from "./prompts/rotate-token.ts";
import { promptListing, promptMessages, type AnyPrompt } from "./prompt.ts";
import { callTool, toolError, toolListing, type AnyTool, type ToolContext } from "./tool.ts";
import createEnvironment from "./tools/create-environment.ts";
import createRole from "./tools/create-role.ts";
import createServiceAccount from "./tools/create-service-account.ts";
import createToken from "./tools/create-token.ts";
import createTrustPolicy from "./tools/create-trust-policy.ts";
import createWebhook from "./tools/create-webhook.ts";
import deleteEnvironment from "./tools/delete-environment.ts";
import deleteRole from "./tools/delete-role.ts";
import deleteServiceAccount from "./tools/delete-service-account.ts";
import deleteToken from "./tools/delete-token.ts";
import deleteTrustPolicy from "./tools/delete-trust-policy.ts";
import deleteWebhook from "./tools/delete-webhook.ts";
import disableServiceAccount from "./tools/disable-service-account.ts";
import enableServiceAccount from "./tools/enable-service-account.ts";
import getHygieneReport from "./tools/get-hygiene-report.ts";
import getOrganization from "./tools/get-organization.ts";
import getServiceAccount from "./tools/get-service-account.ts";
import getToken from "./tools/get-token.ts";
import listAuditEvents from "./tools/list-audit-events.ts";
import listEnvironments from "./tools/list-environments.ts";
import listRoles from "./tools/list-roles.ts";
import listServiceAccounts from "./tools/list-service-accounts.ts";
import listTokens from "./tools/list-tokens.ts";
import listTrustPolicies from "./tools/list-trust-policies.ts";
import listWebhookDeliveries from "./tools/list-webhook-deliveries.ts";
import listWebhooks from "./tools/list-webhooks.ts";
import restoreToken from "./tools/restore-token.ts";
import revokeToken from "./tools/revoke-token.ts";
import rotateToken from "./tools/rotate-token.ts";
import updateOrganization from "./tools/update-organization.ts";
import updateRole from "./tools/update-role.ts";
import updateServiceAccount from "./tools/update-service-account.ts";
import verifyToken from "./tools/verify-token.ts";
import whoami from "./tools/whoami.ts";

/** Every tool: one per identity RPC. */
export const tools: readonly AnyTool[] = [
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
  createRole,
  updateRole,
  deleteRole,
  listEnvironments,
  createEnvironment,
  deleteEnvironment,
  getOrganization,
  updateOrganization,
  listAuditEvents,
  getHygieneReport,
  listTrustPolicies,
  createTrustPolicy,
  deleteTrustPolicy,
  listWebhooks,
  listWebhookDeliveries,
  createWebhook,
  deleteWebhook,
];

export const prompts = new Map([rotateTokenPrompt, offboardAccount, reviewAccess].map((prompt) => [prompt.name, prompt as unknown as AnyPrompt]));
const promptListings = [...prompts.values()].map(promptListing);

/** The tools a caller may use: those whose permissions its token holds. */
export function toolsFor(caller: Caller | undefined): AnyTool[] {
  return tools.filter((tool) => !caller || covers(caller.permissions, tool.requiredPermissions));
}

const listings = new Map<string, Tool>();
const listingOf = (tool: AnyTool) => listings.get(tool.name) ?? listings.set(tool.name, toolListing(tool)).get(tool.name)!;

export interface McpServerOptions extends ToolContext {
  /** The caller (from WhoAmI): it sees only the tools its token can use. Omitted (tests only): every tool. */
  caller?: Caller;
  /** One per process, shared by every server it creates, so that a code issued by one call is good for the next. */
  confirmations?: ConfirmationCodes;
  metrics?: McpMetrics;
  /** False when the server calls with the caller's own token (stdio without a credential); default true. */
  delegated?: boolean;
}

const instructions = [
  "Tessera manages service accounts and API tokens. Start with whoami to see your permissions; the tools",
  "listed are the ones your token can use. Token secrets are shown once, by create_token and rotate_token:",
  "hand them to the user and never repeat them. Destructive tools (deleting, disabling, revoking, rotating",
  "without a grace period) first answer with a confirmation code and change nothing: show the user what",
  "will happen and the code, and call again with confirmation only after the user agrees. Never confirm on",
  "the user's behalf.",
].join(" ");

// Each server would otherwise build its own Ajv instance, the largest part of building a server
// per request; it only compiles and caches schemas, so one serves every server.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

export function createMcpServer(options: McpServerOptions): Server {
  const server = new Server(
    { name: "tessera", title: "Tessera machine identities", version: "0.1.0" },
    { capabilities: { logging: {}, tools: {}, prompts: {} }, instructions, jsonSchemaValidator },
  );
  const offered = new Map(toolsFor(options.caller).map((tool) => [tool.name, tool]));
  const ctx = {
    ...options,
    caller: options.caller ?? { tokenId: "", permissions: [] },
    confirmations: options.confirmations ?? new ConfirmationCodes(),
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...offered.values()].map(listingOf) }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const tool = offered.get(name);
    if (tool) return callTool(tool, args, ctx);
    const hidden = tools.find((t) => t.name === name);
    if (!hidden) {
      options.metrics?.startCall("(unknown)")("tool_error");
      return toolError(`not_found: There is no tool named "${name}". The tools list shows the tools your token can use.`);
    }
    options.metrics?.startCall(name)("refused");
    const lacking = missing(ctx.caller.permissions, hidden.requiredPermissions);
    const named = lacking.length === 1 ? `the ${lacking[0]} permission` : `the ${lacking.slice(0, -1).join(", ")} and ${lacking.at(-1)} permissions`;
    return toolError(
      `permission_denied: ${name} needs ${named}, which your token does not grant, so this server does not offer it. Use whoami to see your permissions, or ask an administrator.`,
    );
  });
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: promptListings }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = prompts.get(request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Prompt ${request.params.name} not found`);
    return promptMessages(prompt, request.params.arguments);
  });
  return server;
}
