import { create, toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { ListRolesResponseSchema, RoleSchema, type Role } from "../../gen/tessera/identity/v1/role_pb.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { UsageError } from "../output.ts";
import { collect } from "../parse.ts";
import type { Column } from "../terminal.ts";

const columns: Column[] = [{ key: "name", keep: true }, { key: "builtIn" }, { key: "permissions" }, { key: "description" }];
const row = (r: Role) => ({ name: r.name, builtIn: r.builtIn, permissions: r.permissions, description: r.description });
const printRole = ({ out }: CommandContext, role: Role | undefined) => out.print(toJson(RoleSchema, role!), [row(role!)], columns);

export function rolesCommand(program: Command): void {
  const roles = program.command("roles").description("built-in and custom roles");

  roles
    .command("list")
    .description("list roles and their permissions")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      const { roles: all } = await ctx.client().roles.listRoles({ pageSize: 1000 });
      ctx.out.print(toJson(ListRolesResponseSchema, create(ListRolesResponseSchema, { roles: all })), all.map(row), columns);
    });

  roles
    .command("create <name>")
    .description("create a custom role")
    .requiredOption("--permission <permission>", "repeatable", collect)
    .option("--description <text>")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      const { role } = await ctx.client().roles.createRole({ name, permissions: options.permission, description: options.description });
      printRole(ctx, role);
    });

  roles
    .command("update <name>")
    .description("change a custom role's permissions (replaced as a whole) or description")
    .option("--permission <permission>", "repeatable", collect)
    .option("--description <text>")
    .action(async (name: string, options, command: Command) => {
      const paths = [options.permission && "permissions", options.description !== undefined && "description"].filter(
        (p): p is string => Boolean(p),
      );
      if (paths.length === 0) throw new UsageError("nothing to update: pass --permission or --description");
      const ctx = contextOf(command);
      const { role } = await ctx.client().roles.updateRole({
        role: { name, permissions: options.permission, description: options.description },
        updateMask: { paths },
      });
      printRole(ctx, role);
    });

  roles
    .command("delete <name>")
    .description("delete a custom role that no account is bound to (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete role ${name}`, options.yes);
      await ctx.client().roles.deleteRole({ name });
      ctx.out.print({ deleted: name }, [{ deleted: name }], ["deleted"]);
    });
}
