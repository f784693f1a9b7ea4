import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { z } from "zod";
import { defineTool } from "../tool.ts";
import { auditEventSchema, auditEventView, pageInput } from "../views.ts";

const isoTime = z.iso.datetime({ offset: true });

export default defineTool({
  name: "list_audit_events",
  title: "List audit events",
  description: [
    "Reads the audit trail, newest first: every change and every failed authentication, with actor,",
    "channel, target, outcome and reason. Needs audit.read. Example:",
    "{ target: \"tok_…\" } or { action: \"auth.failed\", startTime: \"2026-01-01T00:00:00Z\" }",
  ].join(" "),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["audit.read"],
  inputSchema: {
    actorAccountId: z.string().optional(),
    target: z.string().optional().describe("a resource id or name"),
    action: z.string().optional().describe('e.g. "token.revoke", "service_account.create", "auth.failed"'),
    startTime: isoTime.optional(),
    endTime: isoTime.optional(),
    ...pageInput,
  },
  outputSchema: { events: z.array(auditEventSchema), nextPageToken: z.string() },
  async handler({ startTime, endTime, ...input }, { identity }) {
    const response = await identity.audit.listAuditEvents({
      ...input,
      startTime: startTime ? timestampFromDate(new Date(startTime)) : undefined,
      endTime: endTime ? timestampFromDate(new Date(endTime)) : undefined,
    });
    return { events: response.events.map(auditEventView), nextPageToken: response.nextPageToken };
  },
});
