import { z } from "zod";
import { defineTool } from "../tool.ts";
import { tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "rotate_token",
  title: "Rotate a token",
  description: [
    "Replaces a token with a new secret and the same settings. The old token keeps working for",
    "gracePeriodSeconds (0 stops it now), so consumers can switch without downtime. The new secret is",
    "returned ONCE. Example: { id: \"tok_…\", gracePeriodSeconds: 86400 }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  inputSchema: {
    id: z.string(),
    gracePeriodSeconds: z.number().int().min(0).optional().describe("how long the old token keeps working"),
    ttlSeconds: z.number().int().positive().optional().describe("lifetime of the new token; omitted: the old one's"),
  },
  outputSchema: { token: tokenSchema, secret: z.string(), previousToken: tokenSchema, notice: z.string() },
  async handler({ id, gracePeriodSeconds, ttlSeconds }, { identity }) {
    const response = await identity.tokens.rotateToken({
      id,
      gracePeriod: { seconds: BigInt(gracePeriodSeconds ?? 0) },
      ttl: ttlSeconds === undefined ? undefined : { seconds: BigInt(ttlSeconds) },
    });
    return {
      token: tokenView(response.token!),
      secret: response.secret,
      previousToken: tokenView(response.previousToken!),
      notice: "This is the only time the new secret is shown. Deploy it, then watch the old token's lastUsedTime stop moving.",
    };
  },
});
