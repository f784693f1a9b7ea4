// A tool is a declarative definition: name, description for a model, annotations, zod input and
// output schemas, and a handler that maps to one identity RPC. Registration and error handling
// live here, once, for all of them.
import { ConnectError } from "@connectrpc/connect";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toolErrorText } from "./errors.ts";
import type { IdentityClients } from "./identity-clients.ts";

export interface ToolContext {
  identity: IdentityClients;
  /** Told of failures that are not the identity service's answers (bugs); the assistant never sees their text. */
  onUnexpected(tool: string, error: unknown): void;
}

/** What an assistant reads when a tool fails for a reason that is not its request's. */
export const unexpectedFailureText = "internal error: the tool failed unexpectedly; the MCP server's log has the details. Retry later or tell the operator.";

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  inputSchema: I;
  outputSchema: O;
  handler(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<z.infer<z.ZodObject<O>>>;
}

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}

/** Results carry structured content and the same JSON as text, for clients that read only text. */
export function registerTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  server: McpServer,
  tool: ToolDefinition<I, O>,
  ctx: ToolContext,
): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    // The SDK validates arguments against inputSchema before calling.
    (async (input: z.infer<z.ZodObject<I>>): Promise<CallToolResult> => {
      try {
        const output = await tool.handler(input, ctx);
        return { structuredContent: output, content: [{ type: "text", text: JSON.stringify(output, null, 2) }] };
      } catch (error) {
        if (error instanceof ConnectError) return { isError: true, content: [{ type: "text", text: toolErrorText(error) }] };
        ctx.onUnexpected(tool.name, error);
        return { isError: true, content: [{ type: "text", text: unexpectedFailureText }] };
      }
    }) as never,
  );
}
