// `tessera`: the command line for CI pipelines and operators. Configuration comes from
// TESSERA_URL and TESSERA_TOKEN (or --token-file); there is deliberately no flag that takes a
// token, since flags show up in process lists.
import { Argument, Command, CommanderError, Option } from "commander";
import { describeError } from "../client/errors.ts";
import { accountsCommand } from "./commands/accounts.ts";
import { auditCommand } from "./commands/audit.ts";
import { environmentsCommand } from "./commands/environments.ts";
import { federationCommands } from "./commands/federation.ts";
import { hygieneCommand } from "./commands/hygiene.ts";
import { identityCommands } from "./commands/identity.ts";
import { organizationCommands } from "./commands/organization.ts";
import { rolesCommand } from "./commands/roles.ts";
import { tokensCommand } from "./commands/tokens.ts";
import { webhooksCommand } from "./commands/webhooks.ts";
import { completionScript, shells, type Shell } from "./completion.ts";
import { exitCodeOf, exitCodes } from "./output.ts";
import { secondsOption, urlOption } from "./parse.ts";

const exitCodeHelp = `
Output: tables on a terminal, tab-separated rows (header first) when stdout is not one, JSON with --json.
Accounts are named by name or id (ci-deployer or sa_…). Destructive commands ask first; --yes for scripts.

Exit codes: 0 ok, 1 other (e.g. the service cannot be reached), 2 usage or invalid input (also: not
confirmed), 3 unauthenticated, 4 permission denied, 5 not found, 6 failed precondition (also: the name
exists, or the resource changed since it was read), 7 resource exhausted (throttled: retry later).`;

export function buildProgram(): Command {
  const program = new Command("tessera")
    .description("Tessera: service accounts and API tokens for machines")
    .addOption(new Option("--url <url>", "identity service URL").env("TESSERA_URL").default("http://127.0.0.1:8080").argParser(urlOption))
    .option("--token-file <path>", "read your token from this file instead of TESSERA_TOKEN")
    .addOption(new Option("--protocol <protocol>", "wire protocol").choices(["connect", "grpc"]).default("connect"))
    .option("--timeout <seconds>", "deadline of each call", secondsOption, 10)
    .option("--json", "print JSON for scripts instead of tables", false)
    .exitOverride()
    .showHelpAfterError("(tessera --help, or the command's --help, shows usage)")
    .addHelpText("after", exitCodeHelp);
  accountsCommand(program);
  tokensCommand(program);
  rolesCommand(program);
  environmentsCommand(program);
  auditCommand(program);
  identityCommands(program);
  organizationCommands(program);
  federationCommands(program);
  hygieneCommand(program);
  webhooksCommand(program);
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>").choices(shells))
    .addHelpText(
      "after",
      `
Load it in the current shell:
  bash:  source <(tessera completion bash)
  zsh:   source <(tessera completion zsh)
  fish:  tessera completion fish | source
or install it: bash into ~/.local/share/bash-completion/completions/tessera, zsh into a directory of
$fpath as _tessera, fish into ~/.config/fish/completions/tessera.fish.`,
    )
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
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
