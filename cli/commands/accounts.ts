import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Option, type Command } from "commander";
import {
  GetServiceAccountResponseSchema,
  ListServiceAccountsResponseSchema,
  type ServiceAccount,
} from "../../gen/tessera/identity/v1/service_account_pb.ts";
import type { Token } from "../../gen/tessera/identity/v1/token_pb.ts";
import { accountStatusNames, parseAccountStatus } from "../../client/states.ts";
import { addBinding, bindingOf, bindingText, removeBinding, type Binding } from "../bindings.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { UsageError, type Section } from "../output.ts";
import { collect, integerOption } from "../parse.ts";
import { accountColumns, accountFields, accountRow, tokenColumns, tokenRows } from "../views.ts";

/** Shows one account: its fields and, for `get`, its tokens. JSON stays GetServiceAccountResponse. */
async function printAccount(ctx: CommandContext, account: ServiceAccount, tokens?: Token[]) {
  const data = toJson(GetServiceAccountResponseSchema, create(GetServiceAccountResponseSchema, { serviceAccount: account }));
  if (ctx.out.json) return ctx.out.detail(data, []);
  const managerNames = await ctx.resolve.accountNames(account.managerAccountIds);
  const tty = ctx.out.terminal.tty;
  const sections: Section[] = tokens
    ? [{ title: "tokens", columns: tokenColumns({ account: false, tty }), rows: tokenRows(tokens, { tty }) }]
    : [];
  ctx.out.detail(data, accountFields(account, managerNames), sections);
}

async function allTokens(ctx: CommandContext, accountId: string): Promise<Token[]> {
  const all: Token[] = [];
  let pageToken = "";
  do {
    const page = await ctx.client().tokens.listTokens({ accountId, pageSize: 500, pageToken });
    all.push(...page.tokens);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

const resolveAll = (ctx: CommandContext, refs: string[] | undefined, flag: string) =>
  refs === undefined ? undefined : Promise.all(refs.map((ref) => ctx.resolve.accountId(ref, flag)));

const describeAccount = (a: ServiceAccount) => `service account ${a.name} (${a.id})`;

export function accountsCommand(program: Command): void {
  const accounts = program
    .command("accounts")
    .description("service accounts: machine identities (named by name or id: ci-deployer or sa_…)");

  accounts
    .command("list")
    .description("list service accounts")
    .addOption(new Option("--status <status>", "only active or only disabled accounts").choices(accountStatusNames))
    .option("--role <role>", "only accounts bound to this role")
    .option("--prefix <prefix>", "name prefix")
    .option("--page-size <n>", "accounts per request (1-1000)", integerOption(1, 1000), 100)
    .action(async (options, command: Command) => {
      const { client, out } = contextOf(command);
      const all: ServiceAccount[] = [];
      let pageToken = "";
      do {
        const page = await client().accounts.listServiceAccounts({
          status: options.status === undefined ? undefined : parseAccountStatus(options.status),
          role: options.role,
          namePrefix: options.prefix,
          pageSize: options.pageSize,
          pageToken,
        });
        all.push(...page.serviceAccounts);
        pageToken = page.nextPageToken;
      } while (pageToken);
      const response = create(ListServiceAccountsResponseSchema, { serviceAccounts: all });
      out.print(toJson(ListServiceAccountsResponseSchema, response), all.map(accountRow), accountColumns);
    });

  accounts
    .command("get <account>")
    .description("show a service account: its details, managers, role bindings and tokens")
    .action(async (ref: string, _options, command: Command) => {
      const ctx = contextOf(command);
      const account = await ctx.resolve.account(ref);
      await printAccount(ctx, account, ctx.out.json ? undefined : await allTokens(ctx, account.id));
    });

  accounts
    .command("create <name>")
    .description("create a service account")
    .option("--display-name <text>", 'a human name shown beside the name, e.g. "CI Deployer"')
    .option("--description <text>")
    .option("--owner <team>")
    .option("--role <role[@env,...]>", "role binding, repeatable; without @ it holds in all environments", collect)
    .option("--manager-account <account>", "account (name or id) that may manage it, repeatable", collect)
    .option("--manager-role <role>", "role whose holders may manage it, repeatable", collect)
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      const roleBindings = ((options.role as string[] | undefined) ?? []).map((r) => bindingOf(r, "--role"));
      const { serviceAccount } = await ctx.client().accounts.createServiceAccount({
        name,
        displayName: options.displayName,
        description: options.description,
        owner: options.owner,
        roleBindings,
        managerAccountIds: await resolveAll(ctx, options.managerAccount, "--manager-account"),
        managerRoles: options.managerRole,
      });
      await printAccount(ctx, serviceAccount!);
    });

  accounts
    .command("update <account>")
    .summary("change an account: names, owner, role bindings, managers")
    .description(
      "change an account; --add-/--remove- options change role bindings and managers one by one " +
        "(read-modify-write with the etag), --role, --manager-account and --manager-role replace them as a whole",
    )
    .option("--display-name <text>")
    .option("--description <text>")
    .option("--owner <team>")
    .option("--add-role <role[@env,...]>", "bind a role (in these environments), repeatable", collect)
    .option("--remove-role <role[@env,...]>", "unbind a role (or only these environments of it), repeatable", collect)
    .option("--role <role[@env,...]>", "replace all role bindings with these, repeatable", collect)
    .option("--add-manager-account <account>", "designate a manager account (name or id), repeatable", collect)
    .option("--remove-manager-account <account>", "remove a manager account, repeatable", collect)
    .option("--manager-account <account>", "replace the manager accounts with these, repeatable", collect)
    .option("--add-manager-role <role>", "let holders of this role manage it, repeatable", collect)
    .option("--remove-manager-role <role>", "remove a manager role, repeatable", collect)
    .option("--manager-role <role>", "replace the manager roles with these, repeatable", collect)
    .option("--etag <etag>", "refuse the change if the account changed since this etag")
    .action(async (ref: string, options, command: Command) => {
      const ctx = contextOf(command);
      const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      for (const [replace, add, remove] of [
        ["role", "addRole", "removeRole"],
        ["managerAccount", "addManagerAccount", "removeManagerAccount"],
        ["managerRole", "addManagerRole", "removeManagerRole"],
      ] as const) {
        if (options[replace] && (options[add] || options[remove])) {
          throw new UsageError(`${flag(replace)} replaces them all: use it or ${flag(add)}/${flag(remove)}, not both`);
        }
      }
      const rolesChange = Boolean(options.role || options.addRole || options.removeRole);
      const accountsChange = Boolean(options.managerAccount || options.addManagerAccount || options.removeManagerAccount);
      const managerRolesChange = Boolean(options.managerRole || options.addManagerRole || options.removeManagerRole);
      const paths = [
        options.displayName !== undefined && "display_name",
        options.description !== undefined && "description",
        options.owner !== undefined && "owner",
        rolesChange && "role_bindings",
        accountsChange && "manager_account_ids",
        managerRolesChange && "manager_roles",
      ].filter((p): p is string => Boolean(p));
      if (paths.length === 0) throw new UsageError("nothing to update: pass at least one of the options");

      // Parsed and resolved once, before the account is read.
      const replaceRoles = (options.role as string[] | undefined)?.map((r) => bindingOf(r, "--role"));
      const addRoles = ((options.addRole as string[] | undefined) ?? []).map((r) => bindingOf(r, "--add-role"));
      const removeRoles = ((options.removeRole as string[] | undefined) ?? []).map((r) => bindingOf(r, "--remove-role"));
      const replaceManagers = await resolveAll(ctx, options.managerAccount, "--manager-account");
      const addManagers = (await resolveAll(ctx, options.addManagerAccount, "--add-manager-account")) ?? [];
      const removeManagers = (await resolveAll(ctx, options.removeManagerAccount, "--remove-manager-account")) ?? [];
      const readModifyWrite = addRoles.length + removeRoles.length + addManagers.length + removeManagers.length > 0 || Boolean(options.addManagerRole || options.removeManagerRole);

      let account = await ctx.resolve.account(ref);
      for (let attempt = 1; ; attempt++) {
        let bindings: Binding[] = replaceRoles ?? account.roleBindings.map((b) => ({ ...b }));
        const notHeld: string[] = [];
        for (const add of addRoles) bindings = addBinding(bindings, add);
        for (const remove of removeRoles) {
          const result = removeBinding(bindings, remove, "--remove-role");
          if (!result.removed) notHeld.push(`role ${bindingText(remove)}`);
          bindings = result.bindings;
        }
        const managerAccountIds = replaceManagers ?? [...new Set([...account.managerAccountIds, ...addManagers])].filter((id) => !removeManagers.includes(id));
        for (const id of removeManagers) if (!account.managerAccountIds.includes(id)) notHeld.push(`manager account ${id}`);
        const removeManagerRoles = (options.removeManagerRole as string[] | undefined) ?? [];
        const managerRoles =
          (options.managerRole as string[] | undefined) ??
          [...new Set([...account.managerRoles, ...((options.addManagerRole as string[] | undefined) ?? [])])].filter((r) => !removeManagerRoles.includes(r));
        for (const role of removeManagerRoles) if (!account.managerRoles.includes(role)) notHeld.push(`manager role ${role}`);
        if (attempt === 1) for (const what of notHeld) ctx.out.note(`${account.name} has no ${what}; nothing to remove`);
        try {
          const { serviceAccount } = await ctx.client().accounts.updateServiceAccount({
            serviceAccount: {
              id: account.id,
              displayName: options.displayName,
              description: options.description,
              owner: options.owner,
              roleBindings: bindings.map((b) => ({ role: b.role, allEnvironments: b.allEnvironments, environments: b.allEnvironments ? [] : b.environments })),
              managerAccountIds,
              managerRoles,
              etag: options.etag ?? (readModifyWrite ? account.etag : undefined),
            },
            updateMask: { paths },
          });
          const updated = serviceAccount!;
          const hadManagers = account.managerAccountIds.length + account.managerRoles.length > 0;
          if (rolesChange && !accountsChange && !managerRolesChange && hadManagers && updated.managerAccountIds.length + updated.managerRoles.length === 0) {
            ctx.out.note(
              `the role bindings widened, so ${updated.name}'s managers were cleared; an account holding all of its access designates them again (--add-manager-account, --add-manager-role)`,
            );
          }
          return await printAccount(ctx, updated);
        } catch (error) {
          // Changed by someone else since it was read: read it again and redo the change.
          const conflict = error instanceof ConnectError && error.code === Code.Aborted && readModifyWrite && !options.etag;
          if (!conflict || attempt >= 3) throw error;
          account = (await ctx.client().accounts.getServiceAccount({ id: account.id })).serviceAccount!;
        }
      }
    });

  accounts
    .command("disable <account>")
    .description("stop every token of the account at once (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (ref: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`disable service account ${ref}`, options.yes, async () => {
        const a = await ctx.resolve.account(ref);
        return { action: `disable ${describeAccount(a)}`, consequence: `its ${a.activeTokenCount} active token(s) stop working at once` };
      });
      const id = await ctx.resolve.accountId(ref);
      await printAccount(ctx, (await ctx.client().accounts.disableServiceAccount({ id })).serviceAccount!);
    });

  accounts
    .command("enable <account>")
    .description("let the account's tokens work again")
    .action(async (ref: string, _options, command: Command) => {
      const ctx = contextOf(command);
      const id = await ctx.resolve.accountId(ref);
      await printAccount(ctx, (await ctx.client().accounts.enableServiceAccount({ id })).serviceAccount!);
    });

  accounts
    .command("delete <account>")
    .description("delete the account for good and revoke all its tokens (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (ref: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete service account ${ref}`, options.yes, async () => {
        const a = await ctx.resolve.account(ref);
        return { action: `delete ${describeAccount(a)} for good`, consequence: `its ${a.activeTokenCount} active token(s) are revoked` };
      });
      const id = await ctx.resolve.accountId(ref);
      const { revokedTokenCount } = await ctx.client().accounts.deleteServiceAccount({ id });
      ctx.out.print({ deleted: id, revokedTokenCount }, [{ deleted: id, revokedTokenCount }], ["deleted", "revokedTokenCount"]);
    });
}
