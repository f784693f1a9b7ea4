import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { VerifyResponseSchema, WhoAmIResponseSchema, type Identity } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { contextOf } from "../context.ts";
import { InvalidToken, UsageError } from "../output.ts";
import { readFileFlag } from "../parse.ts";
import type { Column } from "../terminal.ts";

const columns: Column[] = [{ key: "account" }, { key: "org" }, { key: "token", keep: true }, { key: "roles" }, { key: "permissions" }, { key: "expires" }];

function identityRow(identity: Identity) {
  return {
    account: `${identity.principal?.accountName} (${identity.principal?.accountId})`,
    org: identity.principal?.org,
    token: identity.tokenId,
    roles: identity.roles,
    permissions: identity.grants.map((g) => (g.allEnvironments ? g.permission : `${g.permission}@${g.environments.join(",")}`)),
    expires: identity.expireTime ? timestampDate(identity.expireTime) : null,
  };
}

/** The token to verify: from a file, or from stdin, never from an argument visible in `ps`. */
function presentedToken(file: string | undefined): string {
  const token = file === undefined ? readFileSync(0, "utf8").trim() : readFileFlag("--file", file);
  if (!token) throw new UsageError("no token to verify: pipe it on stdin or pass --file");
  return token;
}

export function identityCommands(program: Command): void {
  program
    .command("whoami")
    .description("show the account, roles and permissions of your token")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().verify.whoAmI({});
      ctx.out.print(toJson(WhoAmIResponseSchema, response), [identityRow(response.identity!)], columns);
    });

  program
    .command("verify")
    .description("verify a token read from stdin (or --file); exit 0 only if it is valid and grants what is asked")
    .option("--file <path>", "read the token from this file instead of stdin")
    .option("--audience <name>")
    .option("--permission <permission>")
    .option("--environment <name>")
    .action(async (options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().verify.verify({
        token: presentedToken(options.file),
        audience: options.audience,
        permission: options.permission,
        environment: options.environment,
      });
      if (!response.valid) {
        if (ctx.out.json) ctx.out.print(toJson(VerifyResponseSchema, response), [], columns);
        throw new InvalidToken(response.reason, response.message);
      }
      ctx.out.print(toJson(VerifyResponseSchema, response), [identityRow(response.identity!)], columns);
    });
}
