// A prompt is a runbook: a name, a description and the text a model follows, with zod arguments.
// Listing and getting them are answered here from the definitions: the SDK's McpServer would
// build every prompt's schemas anew for each stateless request's server.
import { ErrorCode, McpError, type GetPromptResult, type Prompt } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export interface PromptDefinition<A extends Record<string, z.ZodString>> {
  name: string;
  title: string;
  description: string;
  argsSchema: A;
  text(args: { [K in keyof A]: string }): string;
}

export function definePrompt<A extends Record<string, z.ZodString>>(definition: PromptDefinition<A>): PromptDefinition<A> {
  return definition;
}

/** Any prompt, for lists of them. */
export type AnyPrompt = PromptDefinition<Record<string, z.ZodString>>;

/** The prompt as prompts/list shows it. */
export function promptListing(prompt: AnyPrompt): Prompt {
  return {
    name: prompt.name,
    title: prompt.title,
    description: prompt.description,
    arguments: Object.entries(prompt.argsSchema).map(([name, schema]) => ({ name, description: schema.description, required: !schema.safeParse(undefined).success })),
  };
}

// zod compiles an object schema on its first parse: one per prompt, made on first use.
const schemas = new WeakMap<AnyPrompt, z.ZodObject<Record<string, z.ZodString>>>();
function argumentsOf(prompt: AnyPrompt) {
  let schema = schemas.get(prompt);
  if (!schema) schemas.set(prompt, (schema = z.object(prompt.argsSchema)));
  return schema;
}

/** Builds a prompt's messages from the arguments prompts/get was given, or says which one is wrong. */
export function promptMessages(prompt: AnyPrompt, args: Record<string, unknown> | undefined): GetPromptResult {
  const parsed = argumentsOf(prompt).safeParse(args ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`);
    throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for prompt ${prompt.name}: ${problems.join("; ")}`);
  }
  return {
    description: prompt.description,
    messages: [{ role: "user", content: { type: "text", text: prompt.text(parsed.data) } }],
  };
}
