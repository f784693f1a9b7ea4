import { toJson } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { OrganizationSchema, type Organization } from "../../gen/tessera/identity/v1/organization_pb.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { CommandFailure, UsageError } from "../output.ts";
import { parseDuration } from "../parse.ts";

const columns = ["name", "maxTokenTtl", "defaultTokenTtl", "revokeUnusedAfter"];
const days = (d: Duration | undefined) => (d ? `${Number(d.seconds) / 86_400}d` : "none");

function printOrganization({ out }: CommandContext, organization: Organization | undefined) {
  const o = organization!;
  const policy = o.tokenPolicy;
  const row = {
    name: o.name,
    maxTokenTtl: days(policy?.maxTokenTtl),
    defaultTokenTtl: days(policy?.defaultTokenTtl),
    revokeUnusedAfter: days(policy?.revokeUnusedAfter),
  };
  out.print(toJson(OrganizationSchema, o), [row], columns);
}

const ttl = (flag: string, value: string) => (value === "none" ? undefined : { seconds: parseDuration(flag, value) });

export function organizationCommands(program: Command): void {
  const org = program.command("org").description("your organisation and its token policy");

  org
    .command("get")
    .description("show the organisation's token policy")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      printOrganization(ctx, (await ctx.client().organization.getOrganization({})).organization);
    });

  org
    .command("update")
    .description("set the token policy")
    .option("--max-token-ttl <duration>", 'longest token lifetime, e.g. 90d, or "none"')
    .option("--default-token-ttl <duration>", 'lifetime of tokens created without one, or "none"')
    .option("--revoke-unused-after <duration>", 'revoke tokens unused this long, e.g. 90d (at least 1d), or "none"')
    .action(async (options, command: Command) => {
      const paths = [
        options.maxTokenTtl !== undefined && "token_policy.max_token_ttl",
        options.defaultTokenTtl !== undefined && "token_policy.default_token_ttl",
        options.revokeUnusedAfter !== undefined && "token_policy.revoke_unused_after",
      ].filter((p): p is string => Boolean(p));
      if (paths.length === 0) throw new UsageError("nothing to update: pass --max-token-ttl, --default-token-ttl or --revoke-unused-after");
      const ctx = contextOf(command);
      const { organization } = await ctx.client().organization.updateOrganization({
        organization: {
          tokenPolicy: {
            maxTokenTtl: options.maxTokenTtl && ttl("--max-token-ttl", options.maxTokenTtl),
            defaultTokenTtl: options.defaultTokenTtl && ttl("--default-token-ttl", options.defaultTokenTtl),
            revokeUnusedAfter: options.revokeUnusedAfter && ttl("--revoke-unused-after", options.revokeUnusedAfter),
          },
        },
        updateMask: { paths },
      });
      printOrganization(ctx, organization);
    });

  program
    .command("bootstrap")
    .description("create an organisation and its first admin directly in the database (MONGODB_URI); prints the admin token once")
    .requiredOption("--org <name>")
    .option("--admin-name <name>", "name of the admin account", "admin")
    .option("--max-token-ttl-days <days>")
    .option("--mcp-credential-file <path>", "also issue the MCP server's credential into this file")
    .option("--if-missing", "succeed quietly when the organisation exists")
    .action(async (options) => {
      // The one command that is not a client of the API: it loads the service's store and the
      // MongoDB driver, so only when it runs (every other command starts without them).
      const bootstrap = await import("../../services/identity/bootstrap-command.ts");
      try {
        const result = await bootstrap.runBootstrap({
          org: options.org,
          adminName: options.adminName,
          maxTokenTtlDays: bootstrap.parseTtlDays(options.maxTokenTtlDays),
          mcpCredentialFile: options.mcpCredentialFile,
          ifMissing: options.ifMissing,
        });
        if (result) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } catch (error) {
        throw new CommandFailure(bootstrap.bootstrapExitCode(error), error);
      }
    });
}
