import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import {
  CreateTokenResponseSchema,
  GetTokenResponseSchema,
  ListTokensResponseSchema,
  RotateTokenResponseSchema,
  type Token,
} from "../../gen/tessera/identity/v1/token_pb.ts";
import { parseTokenState, tokenStateName } from "../../client/states.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { UsageError } from "../output.ts";
import { collect, parseDuration } from "../parse.ts";

const columns = ["id", "account", "label", "hint", "state", "expires", "lastUsed", "uses24h"];

function tokenRow(t: Token) {
  return {
    id: t.id,
    account: t.accountId,
    label: t.label,
    hint: `…${t.hint}`,
    state: tokenStateName(t.state),
    expires: t.expireTime ? timestampDate(t.expireTime).toISOString() : "never",
    lastUsed: t.lastUsedTime ? timestampDate(t.lastUsedTime).toISOString() : "never",
    uses24h: t.hourlyUsage.reduce((sum, h) => sum + Number(h.count), 0),
  };
}

function printToken({ out }: CommandContext, token: Token | undefined) {
  out.print(toJson(GetTokenResponseSchema, create(GetTokenResponseSchema, { token })), [tokenRow(token!)], columns);
}

export function tokensCommand(program: Command): void {
  const tokens = program.command("tokens").description("bearer tokens of service accounts");

  tokens
    .command("list")
    .description("list tokens (never their secrets)")
    .option("--account <id>", "tokens of this account only")
    .option("--state <state>", "active, expired or revoked")
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const state = options.state === undefined ? undefined : parseTokenState(options.state);
      if (options.state && state === undefined) throw new UsageError("--state: expected active, expired or revoked");
      const all: Token[] = [];
      let pageToken = "";
      do {
        const page = await ctx.client().tokens.listTokens({
          accountId: options.account,
          state,
          pageSize: 500,
          pageToken,
        });
        all.push(...page.tokens);
        pageToken = page.nextPageToken;
      } while (pageToken);
      ctx.out.print(toJson(ListTokensResponseSchema, create(ListTokensResponseSchema, { tokens: all })), all.map(tokenRow), columns);
    });

  tokens
    .command("get <id>")
    .description("show one token's metadata")
    .action(async (id: string, _options, command: Command) => {
      const ctx = contextOf(command);
      printToken(ctx, (await ctx.client().tokens.getToken({ id })).token);
    });

  tokens
    .command("create <accountId>")
    .description("issue a token; prints the secret once, alone on stdout")
    .requiredOption("--label <label>", "what the token is for")
    .option("--ttl <duration>", "lifetime, e.g. 90d")
    .option("--permission <permission>", "narrow to this permission, repeatable", collect)
    .option("--environment <name>", "narrow to this environment, repeatable", collect)
    .option("--audience <name>", "service it may be presented to, repeatable", collect)
    .action(async (accountId: string, options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().tokens.createToken({
        accountId,
        label: options.label,
        ttl: options.ttl ? { seconds: parseDuration("--ttl", options.ttl) } : undefined,
        permissions: options.permission,
        environments: options.environment,
        audiences: options.audience,
      });
      if (ctx.out.json) return ctx.out.print(toJson(CreateTokenResponseSchema, response), [], []);
      ctx.out.note(`created ${response.token!.id} (${response.token!.label}); the secret below is shown once`);
      ctx.out.secret(response.secret);
    });

  tokens
    .command("rotate <id>")
    .description("replace a token; the old one works for the grace period; prints the new secret once")
    .option("--grace <duration>", "how long the old token keeps working, e.g. 24h", "0s")
    .option("--ttl <duration>", "lifetime of the new token; default: the old one's")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().tokens.rotateToken({
        id,
        gracePeriod: { seconds: parseDuration("--grace", options.grace) },
        ttl: options.ttl ? { seconds: parseDuration("--ttl", options.ttl) } : undefined,
      });
      if (ctx.out.json) return ctx.out.print(toJson(RotateTokenResponseSchema, response), [], []);
      const until = response.previousToken?.expireTime ? timestampDate(response.previousToken.expireTime).toISOString() : "now";
      ctx.out.note(`rotated ${id} → ${response.token!.id}; the old token works until ${until}; the new secret is shown once`);
      ctx.out.secret(response.secret);
    });

  tokens
    .command("revoke <id>")
    .description("stop a token at once")
    .option("--reason <text>", "why, for the audit trail")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      printToken(ctx, (await ctx.client().tokens.revokeToken({ id, reason: options.reason })).token);
    });

  tokens
    .command("restore <id>")
    .description("reactivate a revoked token that has not expired")
    .action(async (id: string, _options, command: Command) => {
      const ctx = contextOf(command);
      printToken(ctx, (await ctx.client().tokens.restoreToken({ id })).token);
    });

  tokens
    .command("delete <id>")
    .description("remove a revoked or expired token")
    .action(async (id: string, _options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().tokens.deleteToken({ id });
      ctx.out.print({ deleted: id }, [{ deleted: id }], ["deleted"]);
    });
}
