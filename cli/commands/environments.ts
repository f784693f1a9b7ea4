import { create, toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { EnvironmentSchema, ListEnvironmentsResponseSchema, type Environment } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { contextOf } from "../context.ts";

const columns = [{ key: "name", keep: true }, { key: "description" }, { key: "created" }];
const row = (e: Environment) => ({ name: e.name, description: e.description, created: e.createTime ? timestampDate(e.createTime) : undefined });

export function environmentsCommand(program: Command): void {
  const environments = program.command("environments").description("environments role bindings and tokens can be limited to");

  environments
    .command("list")
    .description("list environments")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      const { environments: all } = await ctx.client().environments.listEnvironments({ pageSize: 1000 });
      ctx.out.print(toJson(ListEnvironmentsResponseSchema, create(ListEnvironmentsResponseSchema, { environments: all })), all.map(row), columns);
    });

  environments
    .command("create <name>")
    .description("create an environment")
    .option("--description <text>")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      const { environment } = await ctx.client().environments.createEnvironment({ name, description: options.description });
      ctx.out.print(toJson(EnvironmentSchema, environment!), [row(environment!)], columns);
    });

  environments
    .command("delete <name>")
    .description("delete an environment nothing refers to (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete environment ${name}`, options.yes);
      await ctx.client().environments.deleteEnvironment({ name });
      ctx.out.print({ deleted: name }, [{ deleted: name }], ["deleted"]);
    });
}
