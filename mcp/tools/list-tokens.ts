import { z } from "zod";
import { tokenStateByName, tokenStateNames } from "../../client/states.ts";
import { defineTool } from "../tool.ts";
import { pageInput, tokenSchema, tokenView } from "../views.ts";

export default defineTool({
  name: "list_tokens",
  title: "List tokens",
  description: [
    "Lists tokens (never their secrets) of one service account, or of every account when accountId is",
    "omitted: label, 4-character hint, state, expiry, last use, rotation lineage. Use it to find tokens",
    "without expiry or unused ones. Example: { accountId: \"sa_…\", state: \"active\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: {
    accountId: z.string().optional(),
    state: z.enum(tokenStateNames).optional(),
    ...pageInput,
  },
  outputSchema: { tokens: z.array(tokenSchema), nextPageToken: z.string() },
  async handler(input, { identity }) {
    const response = await identity.tokens.listTokens({
      accountId: input.accountId,
      state: input.state ? tokenStateByName[input.state] : undefined,
      pageSize: input.pageSize,
      pageToken: input.pageToken,
    });
    return { tokens: response.tokens.map(tokenView), nextPageToken: response.nextPageToken };
  },
});
