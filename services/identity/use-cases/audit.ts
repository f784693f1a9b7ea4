// Reading the audit trail; nothing writes it but the effects of changes (use-cases/effects.ts).
import { accountIdPrefix } from "../../../client/ids.ts";
import { invalidArgument } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import * as valid from "../domain/validation.ts";
import { requirePermission } from "../policy/access.ts";
import type { AuditDoc } from "../store/documents.ts";
import type { Deps } from "./deps.ts";
import { outcome, type Call, type Outcome } from "./effects.ts";

export interface ListAuditInput {
  actorAccountId: string;
  target: string;
  action: string;
  startTime?: valid.WireTime;
  endTime?: valid.WireTime;
  pageSize: number;
  pageToken: string;
}

export async function listAuditEvents(deps: Deps, call: Call, input: ListAuditInput): Promise<Outcome<{ events: AuditDoc[]; nextPageToken: string }>> {
  requirePermission(call.caller, "audit.read");
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const filters = {
    actorAccountId: input.actorAccountId ? valid.resourceId("actor_account_id", input.actorAccountId, accountIdPrefix) : undefined,
    target: valid.text("target", input.target, 200) || undefined,
    action: valid.text("action", input.action, 64) || undefined,
    startTime: valid.timestamp("start_time", input.startTime),
    endTime: valid.timestamp("end_time", input.endTime),
  };
  if (filters.startTime && filters.endTime && filters.startTime >= filters.endTime) {
    throw invalidArgument("end_time", "must be after start_time");
  }
  const scope = { list: "audit_events", org: call.caller.org, filters };
  const after = decodePageToken(input.pageToken, scope);
  const page = await deps.store.audit.list(call.caller.org, filters, pageSize, after);
  return outcome(call, { events: page.items, nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "" });
}
