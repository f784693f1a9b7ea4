// A tool is a declarative definition: name, description for a model, annotations, the identity
// permissions it needs, zod input and output schemas, for destructive ones how to confirm them,
// and a handler that maps to one identity RPC. Listing, argument checks, confirmation, error
// handling and metrics live here, once, for all of them.
import { Code, ConnectError } from "@connectrpc/connect";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import type { CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { canonicalJson, refusalText, type ConfirmationCodes } from "./confirmation.ts";
import { sentence, toolErrorText } from "./errors.ts";
import type { IdentityClients } from "./identity-clients.ts";
import type { McpMetrics, ToolOutcome } from "./metrics.ts";
import type { Caller, IdentityPermission } from "./permissions.ts";

export interface ToolContext {
  identity: IdentityClients;
  /** Told of failures that are not the identity service's answers (bugs); the assistant never sees their text. */
  onUnexpected(tool: string, error: unknown): void;
}

/** What a call needs besides the tool: whom it acts for, the process's confirmation codes, metrics. */
export interface CallContext extends ToolContext {
  /** The caller; confirmation codes are bound to its token. */
  caller: Caller;
  confirmations: ConfirmationCodes;
  metrics?: McpMetrics;
  /** False when the server calls with the caller's own token (stdio without a credential); default true. */
  delegated?: boolean;
}

/** What an assistant reads when a tool fails for a reason that is not its request's. */
export const unexpectedFailureText = "internal error: the tool failed unexpectedly; the MCP server's log has the details. Retry later or tell the operator.";

/**
 * A destructive call a person must confirm first (see confirmation.ts). `describe` says in one or
 * two sentences what the call will do, for the user to judge; it may read the target (a NotFound
 * then ends the call at once; a permission the caller lacks for reading leaves a plain summary).
 */
export interface Confirmation<I> {
  /** Whether this call needs confirming; omitted: every call does. */
  when?(input: I): boolean;
  describe(input: I, ctx: ToolContext): Promise<string>;
}

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  /** Identity permissions the caller's token must hold for the tool to be offered ([]: every caller). */
  requiredPermissions: readonly IdentityPermission[];
  confirm?: Confirmation<z.infer<z.ZodObject<I>>>;
  inputSchema: I;
  outputSchema: O;
  handler(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<z.infer<z.ZodObject<O>>>;
}

/** Any tool, for lists of them. */
export type AnyTool = ToolDefinition<any, any>;

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}

const confirmationInput = z
  .string()
  .optional()
  .describe("the code from this tool's confirmation answer, passed only after the user confirmed; omit it on the first call");

const confirmationOutput = z
  .object({
    code: z.string(),
    expiresAt: z.string(),
    action: z.string().describe("what the call will do, for the user to confirm"),
  })
  .describe("set instead of the result when the call waits for the user's confirmation; nothing was changed");

/**
 * The schemas a tool's arguments and results are checked with, made once per tool: zod compiles an
 * object schema on its first parse, so one made per call cost that compilation on every call.
 */
const schemas = new WeakMap<AnyTool, { input: z.ZodObject; output: z.ZodObject }>();

function schemasOf(tool: AnyTool): { input: z.ZodObject; output: z.ZodObject } {
  let made = schemas.get(tool);
  if (!made) {
    const result = z.object(tool.outputSchema);
    made = {
      // Unknown arguments are refused by name: ignored, a misspelt "page_size" silently meant the default.
      input: z.strictObject(tool.confirm ? { ...tool.inputSchema, confirmation: confirmationInput } : tool.inputSchema),
      // A confirmable tool answers either its result or a confirmation request.
      output: tool.confirm ? result.partial().extend({ confirmationRequired: confirmationOutput.optional() }) : result,
    };
    schemas.set(tool, made);
  }
  return made;
}

const inputObject = (tool: AnyTool) => schemasOf(tool).input;
const outputObject = (tool: AnyTool) => schemasOf(tool).output;

/** The tool as tools/list shows it; `_meta` names the permissions it needs and whether it asks for confirmation. */
export function toolListing(tool: AnyTool): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toJsonSchemaCompat(inputObject(tool), { strictUnions: true, pipeStrategy: "input" }) as Tool["inputSchema"],
    outputSchema: toJsonSchemaCompat(outputObject(tool), { strictUnions: true, pipeStrategy: "output" }) as Tool["outputSchema"],
    annotations: { title: tool.title, ...tool.annotations },
    _meta: {
      "tessera/requiredPermissions": [...tool.requiredPermissions],
      "tessera/confirmation": tool.confirm ? (tool.confirm.when ? "conditional" : "required") : "none",
    },
  };
}

export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

/** Results carry structured content and the same JSON as the last text block, for clients that read only text. */
function result(structured: Record<string, unknown>, lead?: string): CallToolResult {
  const json = { type: "text" as const, text: JSON.stringify(structured, null, 2) };
  return { structuredContent: structured, content: lead ? [{ type: "text", text: lead }, json] : [json] };
}

function path(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === "number" ? `${acc}[${s}]` : acc ? `${acc}.${String(s)}` : String(s)), "");
}

function invalidArgumentsText(tool: string, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const at = path(issue.path);
    return at ? `${at}: ${sentence(issue.message)}` : sentence(issue.message);
  });
  return [`invalid_argument: The arguments do not match the input schema of ${tool}.`, ...issues, "Fix the named field and call the tool again."].join(" ");
}

function outcomeOf(error: ConnectError): ToolOutcome {
  return error.code === Code.PermissionDenied || error.code === Code.Unauthenticated ? "refused" : "tool_error";
}

async function describe(tool: AnyTool, args: Record<string, unknown>, ctx: CallContext): Promise<string> {
  try {
    return await tool.confirm!.describe(args, ctx);
  } catch (error) {
    // A caller may hold the permission to change a thing without the one to read it.
    if (error instanceof ConnectError && error.code === Code.PermissionDenied) return `${sentence(tool.title)} Arguments: ${canonicalJson(args)}.`;
    throw error;
  }
}

async function confirmationRequest(tool: AnyTool, args: Record<string, unknown>, ctx: CallContext): Promise<CallToolResult> {
  const action = await describe(tool, args, ctx);
  const { code, expiresAt } = ctx.confirmations.issue(tool.name, args, ctx.caller.tokenId);
  const minutes = Math.round(ctx.confirmations.ttlMs / 60_000);
  const text = [
    `Confirmation required: nothing has been changed yet. ${action}`,
    `Show the user what will happen and this confirmation code: ${code}. Ask them whether to go ahead.`,
    `Only if they confirm, call ${tool.name} again with the same arguments and confirmation: "${code}".`,
    `The code works once, for exactly these arguments and your token, until ${expiresAt.toISOString()} (${minutes} minutes).`,
  ].join(" ");
  return result({ confirmationRequired: { code, expiresAt: expiresAt.toISOString(), action } }, text);
}

async function run(tool: AnyTool, rawArgs: unknown, ctx: CallContext): Promise<[CallToolResult, ToolOutcome]> {
  const parsed = await inputObject(tool).safeParseAsync(rawArgs ?? {});
  if (!parsed.success) return [toolError(invalidArgumentsText(tool.name, parsed.error)), "tool_error"];
  const { confirmation, ...args } = parsed.data as Record<string, unknown> & { confirmation?: string };
  try {
    if (tool.confirm && (tool.confirm.when?.(args) ?? true)) {
      if (confirmation === undefined) return [await confirmationRequest(tool, args, ctx), "confirmation_required"];
      const refusal = ctx.confirmations.redeem(confirmation, tool.name, args, ctx.caller.tokenId);
      if (refusal) return [toolError(refusalText(refusal, tool.name)), "refused"];
    }
    const output = await tool.handler(args, ctx);
    const checked = outputObject(tool).safeParse(output);
    if (!checked.success) throw new Error(`${tool.name} returned output that does not match its schema: ${checked.error.message}`);
    return [result(output), "ok"];
  } catch (error) {
    if (error instanceof ConnectError) return [toolError(toolErrorText(error, ctx.delegated ?? true)), outcomeOf(error)];
    ctx.onUnexpected(tool.name, error);
    return [toolError(unexpectedFailureText), "tool_error"];
  }
}

/** Calls `tool` with arguments as the client sent them: checked, confirmed when it must be, timed. */
export async function callTool(tool: AnyTool, rawArgs: unknown, ctx: CallContext): Promise<CallToolResult> {
  const done = ctx.metrics?.startCall(tool.name);
  const [answer, outcome] = await run(tool, rawArgs, ctx);
  done?.(outcome);
  return answer;
}
