import { identitySchema, identityView } from "../views.ts";
import { defineTool } from "../tool.ts";
import { z } from "zod";

export default defineTool({
  name: "whoami",
  title: "Who am I",
  description: [
    "Shows who you are acting as in Tessera: your service account, organisation, roles and effective",
    "permissions with the environments they hold in. Use it first, to know what you may do, or to",
    "explain a permission_denied error. Example: whoami {} → { org: \"acme\", account: { name: \"claude-bot\" }, ... }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: [],
  inputSchema: {},
  outputSchema: { identity: identitySchema, delegate: z.string().describe("the MCP server acting for you"), channel: z.string() },
  async handler(_input, { identity }) {
    const response = await identity.verify.whoAmI({});
    return { identity: identityView(response.identity!), delegate: response.delegate?.accountName ?? "", channel: response.channel };
  },
});
