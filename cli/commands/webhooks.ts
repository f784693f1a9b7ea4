// Lifecycle webhooks: subscribe an https endpoint to token and account events, and see what was
// delivered. The signing secret is printed once, alone on stdout, like a token's.
import { toJson } from "@bufbuild/protobuf";
import { timeOrNever } from "../views.ts";
import { Option, type Command } from "commander";
import {
  CreateWebhookResponseSchema,
  ListWebhookDeliveriesResponseSchema,
  ListWebhooksResponseSchema,
  type Webhook,
  type WebhookDelivery,
} from "../../gen/tessera/identity/v1/webhook_pb.ts";
import { deliveryStatusName, deliveryStatusNames, parseDeliveryStatus } from "../../client/states.ts";
import { contextOf } from "../context.ts";
import { collect, integerOption } from "../parse.ts";
import type { Column } from "../terminal.ts";


const webhookColumns: Column[] = [{ key: "id", keep: true }, { key: "url", keep: true }, { key: "events" }, { key: "unusedDays" }, { key: "description" }];
const webhookRow = (w: Webhook) => ({ id: w.id, url: w.url, events: w.events, unusedDays: w.unusedDays, description: w.description });

const deliveryColumns: Column[] = [
  { key: "id" },
  { key: "event", keep: true },
  { key: "subject", keep: true },
  { key: "status", keep: true },
  { key: "attempts" },
  { key: "lastStatusCode" },
  { key: "lastError" },
  { key: "created" },
  { key: "nextAttempt" },
  { key: "webhookId" },
];
const deliveryRow = (d: WebhookDelivery) => ({
  id: d.id,
  event: d.event,
  subject: d.subject,
  status: deliveryStatusName(d.status) ?? "",
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode || "",
  lastError: d.lastError,
  created: timeOrNever(d.createTime),
  nextAttempt: timeOrNever(d.nextAttemptTime),
  webhookId: d.webhookId,
});

export function webhooksCommand(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("lifecycle webhooks: token expiring, expired, revoked, leaked, rotated, unused; account disabled, deleted");

  webhooks
    .command("create <url>")
    .description("send events to an https endpoint; prints the signing secret once, alone on stdout (see docs/webhooks.md)")
    .requiredOption("--event <event>", "an event to send, e.g. token.expiring or token.leaked (repeatable)", collect)
    .option("--unused-days <days>", "for token.unused: days without use (default 30)", integerOption(1, 3650))
    .option("--description <text>")
    .action(async (url: string, options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().webhooks.createWebhook({ url, events: options.event, unusedDays: options.unusedDays, description: options.description });
      if (ctx.out.json) return ctx.out.print(toJson(CreateWebhookResponseSchema, response), [], []);
      ctx.out.note(`created ${response.webhook!.id}; the signing secret below is shown once`);
      ctx.out.secret(response.secret);
    });

  webhooks
    .command("list")
    .description("list the organisation's webhooks (never their secrets)")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().webhooks.listWebhooks({ pageSize: 1000 });
      ctx.out.print(toJson(ListWebhooksResponseSchema, response), response.webhooks.map(webhookRow), webhookColumns);
    });

  webhooks
    .command("delete <id>")
    .description("stop sending events to a webhook; its pending deliveries are dropped (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete webhook ${id}`, options.yes);
      await ctx.client().webhooks.deleteWebhook({ id });
      ctx.out.print({ deleted: id }, [{ deleted: id }], ["deleted"]);
    });

  webhooks
    .command("deliveries")
    .description("what was sent, is waiting or failed, newest first")
    .option("--webhook <id>", "deliveries of this webhook only")
    .addOption(new Option("--status <status>", "only deliveries in this status").choices(deliveryStatusNames))
    .option("--limit <n>", "show at most this many (default 100)", integerOption(1, 1000), 100)
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().webhooks.listWebhookDeliveries({
        webhookId: options.webhook,
        status: options.status === undefined ? undefined : parseDeliveryStatus(options.status),
        pageSize: options.limit,
      });
      ctx.out.print(toJson(ListWebhookDeliveriesResponseSchema, response), response.deliveries.map(deliveryRow), deliveryColumns);
    });
}
