// `tessera`: the command line for CI pipelines and operators. Configuration comes from
// TESSERA_URL and TESSERA_TOKEN (or --token-file); there is deliberately no flag that takes a
// token, since flags show up in process lists.
import { Command, CommanderError, Option } from "commander";
import { describeError } from "../client/errors.ts";
import { accountsCommand } from "./commands/accounts.ts";
import { auditCommand } from "./commands/audit.ts";
import { environmentsCommand } from "./commands/environments.ts";
import { identityCommands } from "./commands/identity.ts";
import { organizationCommands } from "./commands/organization.ts";
import { rolesCommand } from "./commands/roles.ts";
import { tokensCommand } from "./commands/tokens.ts";
import { exitCodeOf, exitCodes } from "./output.ts";

export function buildProgram(): Command {
  const program = new Command("tessera")
    .description("Tessera: service accounts and API tokens for machines")
    .option("--url <url>", "identity service URL (env TESSERA_URL)", process.env.TESSERA_URL ?? "http://127.0.0.1:8080")
    .option("--token-file <path>", "read your token from this file instead of TESSERA_TOKEN")
    .addOption(new Option("--protocol <protocol>", "wire protocol").choices(["connect", "grpc"]).default("connect"))
    .option("--timeout <seconds>", "deadline of each call", "10")
    .option("--json", "print JSON for scripts instead of tables", false)
    .exitOverride()
    .showHelpAfterError();
  accountsCommand(program);
  tokensCommand(program);
  rolesCommand(program);
  environmentsCommand(program);
  auditCommand(program);
  identityCommands(program);
  organizationCommands(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed the usage problem.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    process.stderr.write(`tessera: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}

if (import.meta.main) process.exit(await run(process.argv.slice(2)));
