import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import { ListAuditEventsResponseSchema, type AuditEvent } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { contextOf } from "../context.ts";
import { integerOption, parseTime } from "../parse.ts";
import { namePattern } from "../../client/names.ts";
import type { Column } from "../terminal.ts";

const columns: Column[] = [
  { key: "time" },
  { key: "actor" },
  { key: "channel" },
  { key: "action" },
  { key: "target" },
  { key: "outcome" },
  { key: "reason" },
];

const idLike = /^[a-z]+_[0-9a-f]{24}$/;

export function auditCommand(program: Command): void {
  program
    .command("audit")
    .description("read the audit trail, newest first")
    .option("--actor <account>", "events of this account (name or id)")
    .option("--target <target>", "events about this resource: an id (sa_…, tok_…), or the name of an account, role or environment")
    .option("--action <action>", 'e.g. "token.revoke" or "auth.failed"')
    .option("--since <time>", "ISO time or a duration ago, e.g. 24h")
    .option("--until <time>", "ISO time or a duration ago")
    .option("--limit <n>", "at most this many events (1-1000)", integerOption(1, 1000), 100)
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const query = {
        actorAccountId: options.actor === undefined ? undefined : await ctx.resolve.accountId(options.actor, "--actor"),
        action: options.action,
        startTime: options.since ? timestampFromDate(parseTime("--since", options.since)) : undefined,
        endTime: options.until ? timestampFromDate(parseTime("--until", options.until)) : undefined,
        pageSize: options.limit as number,
      };
      // Events about an account name their target by its id; a name may also be a role's or an
      // environment's, or an account's whose creation was refused. So a name is looked up as both.
      const targets: (string | undefined)[] = [options.target];
      if (options.target && !idLike.test(options.target) && namePattern.test(options.target)) {
        try {
          const account = await ctx.resolve.findByName(options.target);
          if (account) targets.unshift(account.id);
        } catch (error) {
          // Without accounts.read (an auditor), or not a valid name: the name alone.
          if (!(error instanceof ConnectError)) throw error;
        }
      }
      const pages = await Promise.all(targets.map((target) => ctx.client().audit.listAuditEvents({ ...query, target })));
      const seen = new Set<string>();
      const events: AuditEvent[] = pages
        .flatMap((p) => p.events)
        .filter((e) => !seen.has(e.id) && Boolean(seen.add(e.id)))
        .sort((a, b) => (b.time ? timestampDate(b.time).getTime() : 0) - (a.time ? timestampDate(a.time).getTime() : 0))
        .slice(0, query.pageSize);
      const rows = events.map((e) => ({
        // Exact times, on a terminal too: an audit trail is read to the second.
        time: e.time ? timestampDate(e.time).toISOString() : undefined,
        actor: e.actor ? e.actor.accountName + (e.delegate ? ` via ${e.delegate.accountName}` : "") : "",
        channel: e.channel,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        reason: e.reason,
      }));
      ctx.out.print(toJson(ListAuditEventsResponseSchema, create(ListAuditEventsResponseSchema, { events })), rows, columns);
    });
}
