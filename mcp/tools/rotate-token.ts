import { z } from "zod";
import { defineTool } from "../tool.ts";
import { describeToken, tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "rotate_token",
  title: "Rotate a token",
  description: [
    "Replaces a token with a new secret and the same settings. The old token keeps working for",
    "gracePeriodSeconds, so consumers can switch without downtime. Without a grace period (0, the default)",
    "the old secret stops at once: that asks for the user's confirmation first (the first call only returns",
    "a confirmation code). The new secret is returned ONCE. Example: { id: \"tok_…\", gracePeriodSeconds: 86400 }",
  ].join(" "),
  // Destructive without a grace period.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  requiredPermissions: ["tokens.write"],
  confirm: {
    when: ({ gracePeriodSeconds }) => !gracePeriodSeconds,
    async describe({ id }, { identity }) {
      const { token } = await identity.tokens.getToken({ id });
      return [
        `This rotates ${describeToken(token!)} without a grace period: its secret stops working at once, and`,
        "whatever uses it fails until it gets the new one. A gracePeriodSeconds above 0 avoids that and needs no confirmation.",
      ].join(" ");
    },
  },
  inputSchema: {
    id: z.string(),
    gracePeriodSeconds: z.number().int().min(0).optional().describe("how long the old token keeps working; 0 or omitted: it stops now (asks for confirmation)"),
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
