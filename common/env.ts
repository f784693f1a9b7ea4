// Parsing environment variables with a zod schema: every problem is reported, naming the variable.
// The identity service and the MCP server both configure themselves this way; it lives in common/
// so that neither imports the other for it.
import { z } from "zod";

export class ConfigError extends Error {}

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}
