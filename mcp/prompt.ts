// A prompt is a runbook: a name, a description and the text a model follows, with zod arguments.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";

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

export function registerPrompt<A extends Record<string, z.ZodString>>(server: McpServer, prompt: PromptDefinition<A>): void {
  server.registerPrompt(
    prompt.name,
    { title: prompt.title, description: prompt.description, argsSchema: prompt.argsSchema },
    ((args: { [K in keyof A]: string }) => ({
      description: prompt.description,
      messages: [{ role: "user" as const, content: { type: "text" as const, text: prompt.text(args) } }],
    })) as never,
  );
}
