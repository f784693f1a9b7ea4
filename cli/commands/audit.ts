import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { ListAuditEventsResponseSchema } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { contextOf } from "../context.ts";
import { parseTime } from "../parse.ts";

const columns = ["time", "actor", "channel", "action", "target", "outcome", "reason"];

export function auditCommand(program: Command): void {
  program
    .command("audit")
    .description("read the audit trail, newest first")
    .option("--actor <accountId>")
    .option("--target <id-or-name>")
    .option("--action <action>", 'e.g. "token.revoke" or "auth.failed"')
    .option("--since <time>", "ISO time or a duration ago, e.g. 24h")
    .option("--until <time>", "ISO time or a duration ago")
    .option("--limit <n>", "at most this many events", "100")
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().audit.listAuditEvents({
        actorAccountId: options.actor,
        target: options.target,
        action: options.action,
        startTime: options.since ? timestampFromDate(parseTime("--since", options.since)) : undefined,
        endTime: options.until ? timestampFromDate(parseTime("--until", options.until)) : undefined,
        pageSize: Number(options.limit),
      });
      const rows = response.events.map((e) => ({
        time: e.time ? timestampDate(e.time).toISOString() : "",
        actor: e.actor ? e.actor.accountName + (e.delegate ? ` via ${e.delegate.accountName}` : "") : "",
        channel: e.channel,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        reason: e.reason,
      }));
      ctx.out.print(toJson(ListAuditEventsResponseSchema, create(ListAuditEventsResponseSchema, { events: response.events })), rows, columns);
    });
}
