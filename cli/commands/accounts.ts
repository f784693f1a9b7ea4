import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import {
  GetServiceAccountResponseSchema,
  ListServiceAccountsResponseSchema,
  type ServiceAccount,
} from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { accountStatusName, parseAccountStatus } from "../../client/states.ts";
import { contextOf } from "../context.ts";
import { UsageError } from "../output.ts";
import { collect, parseBinding } from "../parse.ts";

const columns = ["id", "name", "status", "roles", "owner", "tokens", "lastUsed"];

export function accountRow(a: ServiceAccount) {
  return {
    id: a.id,
    name: a.name,
    status: accountStatusName(a.status),
    roles: a.roleBindings.map((b) => (b.allEnvironments ? b.role : `${b.role}@${b.environments.join(",")}`)),
    owner: a.owner,
    tokens: a.activeTokenCount,
    lastUsed: a.lastUsedTime ? timestampDate(a.lastUsedTime).toISOString() : "never",
  };
}

function printAccount(command: Command, serviceAccount: ServiceAccount | undefined) {
  const { out } = contextOf(command);
  out.print(toJson(GetServiceAccountResponseSchema, create(GetServiceAccountResponseSchema, { serviceAccount })), [accountRow(serviceAccount!)], columns);
}

export function accountsCommand(program: Command): void {
  const accounts = program.command("accounts").description("service accounts: machine identities");

  accounts
    .command("list")
    .description("list service accounts")
    .option("--status <status>", "active or disabled")
    .option("--role <role>", "only accounts bound to this role")
    .option("--prefix <prefix>", "name prefix")
    .option("--page-size <n>", "accounts per page", "100")
    .action(async (options, command: Command) => {
      const { client, out } = contextOf(command);
      const status = options.status === undefined ? undefined : parseAccountStatus(options.status);
      if (options.status && status === undefined) throw new UsageError("--status: expected active or disabled");
      const all: ServiceAccount[] = [];
      let pageToken = "";
      do {
        const page = await client().accounts.listServiceAccounts({
          status,
          role: options.role,
          namePrefix: options.prefix,
          pageSize: Number(options.pageSize),
          pageToken,
        });
        all.push(...page.serviceAccounts);
        pageToken = page.nextPageToken;
      } while (pageToken);
      const response = create(ListServiceAccountsResponseSchema, { serviceAccounts: all });
      out.print(toJson(ListServiceAccountsResponseSchema, response), all.map(accountRow), columns);
    });

  accounts
    .command("get <id>")
    .description("show one service account")
    .action(async (id: string, _options, command: Command) => {
      printAccount(command, (await contextOf(command).client().accounts.getServiceAccount({ id })).serviceAccount);
    });

  accounts
    .command("create <name>")
    .description("create a service account")
    .option("--description <text>")
    .option("--owner <team>")
    .option("--role <role[@env,...]>", "role binding, repeatable; without @ it holds in all environments", collect)
    .option("--manager-account <id>", "account that may manage it, repeatable", collect)
    .option("--manager-role <role>", "role whose holders may manage it, repeatable", collect)
    .action(async (name: string, options, command: Command) => {
      const { serviceAccount } = await contextOf(command).client().accounts.createServiceAccount({
        name,
        description: options.description,
        owner: options.owner,
        roleBindings: (options.role ?? []).map(parseBinding),
        managerAccountIds: options.managerAccount,
        managerRoles: options.managerRole,
      });
      printAccount(command, serviceAccount);
    });

  accounts
    .command("update <id>")
    .description("change description, owner, role bindings (replaced as a whole) or managers")
    .option("--description <text>")
    .option("--owner <team>")
    .option("--role <role[@env,...]>", "the new role bindings, repeatable", collect)
    .option("--manager-account <id>", "the new manager accounts, repeatable", collect)
    .option("--manager-role <role>", "the new manager roles, repeatable", collect)
    .option("--etag <etag>", "refuse the change if the account changed since this etag")
    .action(async (id: string, options, command: Command) => {
      const paths = [
        options.description !== undefined && "description",
        options.owner !== undefined && "owner",
        options.role && "role_bindings",
        options.managerAccount && "manager_account_ids",
        options.managerRole && "manager_roles",
      ].filter((p): p is string => Boolean(p));
      if (paths.length === 0) throw new UsageError("nothing to update: pass at least one of the options");
      const { serviceAccount } = await contextOf(command).client().accounts.updateServiceAccount({
        serviceAccount: {
          id,
          description: options.description,
          owner: options.owner,
          roleBindings: (options.role ?? []).map(parseBinding),
          managerAccountIds: options.managerAccount,
          managerRoles: options.managerRole,
          etag: options.etag,
        },
        updateMask: { paths },
      });
      printAccount(command, serviceAccount);
    });

  for (const [verb, description] of [
    ["disable", "stop every token of the account at once"],
    ["enable", "let the account's tokens work again"],
  ] as const) {
    accounts
      .command(`${verb} <id>`)
      .description(description)
      .action(async (id: string, _options, command: Command) => {
        const { accounts: rpc } = contextOf(command).client();
        const response = verb === "disable" ? await rpc.disableServiceAccount({ id }) : await rpc.enableServiceAccount({ id });
        printAccount(command, response.serviceAccount);
      });
  }

  accounts
    .command("delete <id>")
    .description("delete the account for good and revoke all its tokens")
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      const { revokedTokenCount } = await client().accounts.deleteServiceAccount({ id });
      out.print({ deleted: id, revokedTokenCount }, [{ deleted: id, revokedTokenCount }], ["deleted", "revokedTokenCount"]);
    });
}
