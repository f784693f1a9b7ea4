import { z } from "zod";
import { TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { defineTool } from "../tool.ts";
import { pageInput, tokenSchema, tokenView } from "../views.ts";

const states = { active: TokenState.ACTIVE, expired: TokenState.EXPIRED, revoked: TokenState.REVOKED };

export default defineTool({
  name: "list_tokens",
  title: "List tokens",
  description: [
    "Lists tokens (never their secrets) of one service account, or of every account when accountId is",
    "omitted: label, 4-character hint, state, expiry, last use, rotation lineage. Use it to find tokens",
    "without expiry or unused ones. Example: { accountId: \"sa_…\", state: \"active\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  inputSchema: {
    accountId: z.string().optional(),
    state: z.enum(["active", "expired", "revoked"]).optional(),
    ...pageInput,
  },
  outputSchema: { tokens: z.array(tokenSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.tokens.listTokens({
      accountId: input.accountId,
      state: input.state ? states[input.state] : undefined,
      pageSize: input.pageSize,
      pageToken: input.pageToken,
    });
    return { tokens: response.tokens.map(tokenView), nextPageToken: response.nextPageToken };
  },
});
