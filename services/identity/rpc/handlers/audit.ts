import type { ServiceImpl } from "@connectrpc/connect";
import { AuditService } from "../../../../gen/tessera/identity/v1/audit_pb.ts";
import * as audit from "../../use-cases/audit.ts";
import type { Deps } from "../../use-cases/deps.ts";
import { callOf } from "../context.ts";
import { auditMessage } from "./convert.ts";

export function auditHandlers(deps: Deps): ServiceImpl<typeof AuditService> {
  return {
    async listAuditEvents(req, ctx) {
      const { result } = await audit.listAuditEvents(deps, callOf(ctx), req);
      return { events: result.events.map(auditMessage), nextPageToken: result.nextPageToken };
    },
  };
}
