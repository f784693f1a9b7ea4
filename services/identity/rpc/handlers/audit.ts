import type { ServiceImpl } from "@connectrpc/connect";
import { AuditService } from "../../../../gen/tessera/identity/v1/audit_pb.ts";
import { requirePermission } from "../../policy/access.ts";
import { invalidArgument } from "../../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../../domain/page-token.ts";
import * as valid from "../../domain/validation.ts";
import { callerOf } from "../context.ts";
import { accountIdPrefix, auditMessage } from "./convert.ts";
import type { Deps } from "../../use-cases/deps.ts";

export function auditHandlers(deps: Deps): ServiceImpl<typeof AuditService> {
  return {
    async listAuditEvents(req, ctx) {
      const caller = callerOf(ctx);
      requirePermission(caller, "audit.read");
      const pageSize = valid.pageSize("page_size", req.pageSize);
      const filters = {
        actorAccountId: req.actorAccountId ? valid.resourceId("actor_account_id", req.actorAccountId, accountIdPrefix) : undefined,
        target: valid.text("target", req.target, 200) || undefined,
        action: valid.text("action", req.action, 64) || undefined,
        startTime: valid.timestamp("start_time", req.startTime),
        endTime: valid.timestamp("end_time", req.endTime),
      };
      if (filters.startTime && filters.endTime && filters.startTime >= filters.endTime) {
        throw invalidArgument("end_time", "must be after start_time");
      }
      const after = decodePageToken(req.pageToken, filters);
      const page = await deps.store.audit.list(caller.org, filters, pageSize, after);
      return {
        events: page.items.map(auditMessage),
        nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, filters) : "",
      };
    },
  };
}
