import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Option, type Command } from "commander";
import {
  CreateTokenResponseSchema,
  GetTokenResponseSchema,
  ListTokensResponseSchema,
  RotateTokenResponseSchema,
  TokenState,
  type Token,
} from "../../gen/tessera/identity/v1/token_pb.ts";
import { parseTokenState, tokenStateNames } from "../../client/states.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { CommandFailure, exitCodes, UsageError } from "../output.ts";
import { collect, durationOption, parseDuration } from "../parse.ts";
import { tokenColumns, tokenRow, tokenRows } from "../views.ts";

/** How long the old token keeps working after `tokens rotate` unless --grace says otherwise. */
export const defaultGrace = "24h";

async function printToken(ctx: CommandContext, token: Token) {
  const tty = ctx.out.terminal.tty;
  const data = toJson(GetTokenResponseSchema, create(GetTokenResponseSchema, { token }));
  const accountNames = ctx.out.json ? undefined : await ctx.resolve.accountNames([token.accountId]);
  ctx.out.print(data, [tokenRow(token, { tty, accountNames })], tokenColumns({ account: true, tty }));
}

async function listTokens(ctx: CommandContext, accountId: string, state: TokenState | undefined): Promise<Token[]> {
  const all: Token[] = [];
  let pageToken = "";
  do {
    const page = await ctx.client().tokens.listTokens({ accountId, state, pageSize: 500, pageToken });
    all.push(...page.tokens);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

/**
 * The one active, not yet rotated token of `account` labelled `label`: what a scheduled rotation
 * rotates, whatever its id has become since the last one.
 */
async function tokenByLabel(ctx: CommandContext, accountRef: string, label: string): Promise<string> {
  const accountId = await ctx.resolve.accountId(accountRef, "--account");
  const candidates = (await listTokens(ctx, accountId, TokenState.ACTIVE)).filter((t) => t.label === label && !t.rotatedToTokenId);
  if (candidates.length === 0) {
    throw new CommandFailure(exitCodes.notFound, new Error(`not_found: ${accountRef} has no active token labelled "${label}" (that is not already rotated)`));
  }
  if (candidates.length > 1) {
    const ids = candidates.map((t) => t.id).join(", ");
    throw new CommandFailure(exitCodes.failedPrecondition, new Error(`failed_precondition: ${accountRef} has ${candidates.length} active tokens labelled "${label}" (${ids}); name the token by its id`));
  }
  return candidates[0]!.id;
}

const describeToken = async (ctx: CommandContext, id: string) => {
  const { token } = await ctx.client().tokens.getToken({ id });
  const names = await ctx.resolve.accountNames([token!.accountId]);
  return `token ${id} ("${token!.label}", …${token!.hint}) of ${names.get(token!.accountId) ?? token!.accountId}`;
};

export function tokensCommand(program: Command): void {
  const tokens = program.command("tokens").description("bearer tokens of service accounts");

  tokens
    .command("list")
    .description("list tokens (never their secrets), with which token replaced which")
    .option("--account <account>", "tokens of this account only (name or id)")
    .addOption(new Option("--state <state>", "only tokens in this state").choices(tokenStateNames))
    .option("--label <label>", "only tokens with this label")
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const accountId = options.account === undefined ? "" : await ctx.resolve.accountId(options.account, "--account");
      const state = options.state === undefined ? undefined : parseTokenState(options.state);
      let all = await listTokens(ctx, accountId, state);
      if (options.label !== undefined) all = all.filter((t) => t.label === options.label);
      const data = toJson(ListTokensResponseSchema, create(ListTokensResponseSchema, { tokens: all }));
      const tty = ctx.out.terminal.tty;
      const accountNames = ctx.out.json || accountId ? undefined : await ctx.resolve.accountNames(all.map((t) => t.accountId));
      ctx.out.print(data, tokenRows(all, { tty, accountNames }), tokenColumns({ account: !accountId, tty }));
    });

  tokens
    .command("get <token>")
    .description("show one token's metadata")
    .action(async (id: string, _options, command: Command) => {
      const ctx = contextOf(command);
      await printToken(ctx, (await ctx.client().tokens.getToken({ id })).token!);
    });

  tokens
    .command("create <account>")
    .description("issue a token to an account (name or id); prints the secret once, alone on stdout")
    .requiredOption("--label <label>", "what the token is for (required)")
    .option("--ttl <duration>", "lifetime, e.g. 90d; default: the organisation's", durationOption("--ttl"))
    .option("--permission <permission>", "narrow to this permission, repeatable", collect)
    .option("--environment <name>", "narrow to this environment, repeatable", collect)
    .option("--audience <name>", "service it may be presented to, repeatable", collect)
    .action(async (accountRef: string, options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().tokens.createToken({
        accountId: await ctx.resolve.accountId(accountRef),
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
    .command("rotate [token]")
    .description(
      `replace a token (by id, or --account and --label); the old one keeps working for the grace period ` +
        `(default ${defaultGrace}); prints the new secret once, alone on stdout`,
    )
    .option("--grace <duration>", `how long the old token keeps working; 0 stops it now (asks first; --yes for scripts)`, durationOption("--grace"), defaultGrace)
    .option("--ttl <duration>", "lifetime of the new token; default: the old one's", durationOption("--ttl"))
    .option("--account <account>", "with --label: rotate this account's active token with that label")
    .option("--label <label>", "with --account: the label of the token to rotate")
    .option("-y, --yes", "do not ask for confirmation of --grace 0")
    .action(async (tokenId: string | undefined, options, command: Command) => {
      const ctx = contextOf(command);
      if (tokenId !== undefined && (options.account !== undefined || options.label !== undefined)) {
        throw new UsageError("name the token either by its id or by --account and --label, not both");
      }
      if (tokenId === undefined && (options.account === undefined || options.label === undefined)) {
        throw new UsageError("name the token to rotate: its id, or --account and --label");
      }
      const grace = parseDuration("--grace", options.grace);
      const target = tokenId ?? `the "${options.label}" token of ${options.account}`;
      if (grace === 0n) {
        await ctx.out.confirm(`rotate ${target} with no grace period (--grace 0)`, options.yes, async () => ({
          action: `rotate ${tokenId ? await describeToken(ctx, tokenId) : target} with no grace period`,
          consequence: "the old token stops working now",
        }));
      }
      const id = tokenId ?? (await tokenByLabel(ctx, options.account, options.label));
      const response = await ctx.client().tokens.rotateToken({
        id,
        gracePeriod: { seconds: grace },
        ttl: options.ttl ? { seconds: parseDuration("--ttl", options.ttl) } : undefined,
      });
      if (ctx.out.json) return ctx.out.print(toJson(RotateTokenResponseSchema, response), [], []);
      const expiry = response.previousToken?.expireTime;
      const until = grace > 0n && expiry ? `works until ${timestampDate(expiry).toISOString()}` : "stopped working now";
      ctx.out.note(`rotated ${id} → ${response.token!.id}; the old token ${until}; the new secret is shown once`);
      ctx.out.secret(response.secret);
    });

  tokens
    .command("revoke <token>")
    .description("stop a token at once (asks first; --yes for scripts)")
    .option("--reason <text>", "why, for the audit trail")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`revoke token ${id}`, options.yes, async () => ({
        action: `revoke ${await describeToken(ctx, id)}`,
        consequence: "it stops working at once",
      }));
      await printToken(ctx, (await ctx.client().tokens.revokeToken({ id, reason: options.reason })).token!);
    });

  tokens
    .command("restore <token>")
    .description("reactivate a revoked token that has not expired")
    .action(async (id: string, _options, command: Command) => {
      const ctx = contextOf(command);
      await printToken(ctx, (await ctx.client().tokens.restoreToken({ id })).token!);
    });

  tokens
    .command("delete <token>")
    .description("remove a revoked or expired token for good (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete token ${id}`, options.yes, async () => ({ action: `delete ${await describeToken(ctx, id)} for good` }));
      await ctx.client().tokens.deleteToken({ id });
      ctx.out.print({ deleted: id }, [{ deleted: id }], ["deleted"]);
    });
}
