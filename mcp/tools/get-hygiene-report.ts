import { z } from "zod";
import { defineTool } from "../tool.ts";
import { hygieneSchema, hygieneView } from "../views.ts";

export default defineTool({
  name: "get_hygiene_report",
  title: "Review machine-identity hygiene",
  description: [
    "Reports what deserves attention among the service accounts you may see: tokens that never expire, tokens",
    "unused for unusedDays (default 30), tokens expiring within expiringDays (default 7), accounts none of whose",
    "tokens was used lately, accounts holding every permission, and roles only idle accounts hold. Use it to",
    "propose expiries, revocations and narrower roles. Needs accounts.read. Example: { unusedDays: 60 }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.read"],
  inputSchema: {
    unusedDays: z.number().int().min(1).max(365).optional(),
    expiringDays: z.number().int().min(1).max(365).optional(),
  },
  outputSchema: hygieneSchema,
  async handler(input, { identity }) {
    return hygieneView(await identity.hygiene.getHygieneReport(input));
  },
});
