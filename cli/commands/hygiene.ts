import { toJson } from "@bufbuild/protobuf";
import { timeOrNever } from "../views.ts";
import type { Command } from "commander";
import { GetHygieneReportResponseSchema, type AccountFinding, type TokenFinding } from "../../gen/tessera/identity/v1/hygiene_pb.ts";
import { contextOf } from "../context.ts";
import type { Section } from "../output.ts";
import { integerOption } from "../parse.ts";

const tokenColumns = [{ key: "tokenId", keep: true }, { key: "account" }, { key: "label" }, { key: "lastUsed" }, { key: "expires" }];
const tokenRows = (findings: TokenFinding[]) =>
  findings.map((t) => ({ tokenId: t.tokenId, account: t.accountName, label: t.label, lastUsed: timeOrNever(t.lastUsedTime), expires: timeOrNever(t.expireTime) }));
const accountColumns = [{ key: "accountId", keep: true }, { key: "name" }, { key: "lastUsed" }, { key: "roles" }];
const accountRows = (findings: AccountFinding[]) => findings.map((a) => ({ accountId: a.accountId, name: a.name, lastUsed: timeOrNever(a.lastUsedTime), roles: a.roles }));

export function hygieneCommand(program: Command): void {
  program
    .command("hygiene")
    .description("what deserves attention: tokens without expiry, unused or expiring; idle and admin accounts; roles only idle accounts hold")
    .option("--unused-days <days>", "idle after this many days unused (default 30)", integerOption(1, 365))
    .option("--expiring-days <days>", "list tokens expiring within this many days (default 7)", integerOption(1, 365))
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const r = await ctx.client().hygiene.getHygieneReport({ unusedDays: options.unusedDays, expiringDays: options.expiringDays });
      const sections: Section[] = [
        { title: "tokens without expiry", columns: tokenColumns, rows: tokenRows(r.tokensWithoutExpiry) },
        { title: `tokens unused for ${r.unusedDays} days`, columns: tokenColumns, rows: tokenRows(r.unusedTokens) },
        { title: `tokens expiring within ${r.expiringDays} days`, columns: tokenColumns, rows: tokenRows(r.expiringTokens) },
        { title: `accounts idle for ${r.unusedDays} days`, columns: accountColumns, rows: accountRows(r.idleAccounts) },
        { title: "accounts with every permission", columns: accountColumns, rows: accountRows(r.adminAccounts) },
        { title: "roles only idle accounts hold", columns: [{ key: "role" }, { key: "accountCount" }], rows: r.unexercisedRoles.map((x) => ({ role: x.role, accountCount: x.accountCount })) },
      ];
      const fields: [string, string, boolean | number][] = [
        ["unusedDays", "unused days", r.unusedDays],
        ["expiringDays", "expiring days", r.expiringDays],
        ["truncated", "partial (large organisation)", r.truncated],
      ];
      ctx.out.detail(toJson(GetHygieneReportResponseSchema, r), fields, sections);
    });
}
