// Accounts by name as well as by id: `tessera accounts get ci-deployer`. Ids ("sa_" and 24 hex
// digits) are used as they are; anything else must be an account's name, looked up with
// ListServiceAccounts (name_prefix, then the exact match), so it needs accounts.read and sees only
// the accounts the caller may read. Roles and environments are named by their names in the API.
import { ConnectError } from "@connectrpc/connect";
import { accountIdPrefix, parseApiId } from "../client/ids.ts";
import { namePattern } from "../client/names.ts";
import type { TesseraClient } from "../client/client.ts";
import type { ServiceAccount } from "../gen/tessera/identity/v1/service_account_pb.ts";
import { CommandFailure, exitCodes, UsageError } from "./output.ts";


export const isAccountId = (ref: string) => parseApiId(accountIdPrefix, ref) !== undefined;

export interface Resolver {
  /** The id of the account `ref` (a name or an id) names; an id is not looked up. */
  accountId(ref: string, flag?: string): Promise<string>;
  /** The account `ref` (a name or an id) names, as the service returns it. */
  account(ref: string, flag?: string): Promise<ServiceAccount>;
  /** The account named `name`, or undefined when there is none the caller can see. */
  findByName(name: string): Promise<ServiceAccount | undefined>;
  /** The names of accounts by id, for display; ids the caller cannot read are left out. */
  accountNames(ids: readonly string[]): Promise<Map<string, string>>;
}

export function createResolver(client: () => TesseraClient): Resolver {
  const byName = new Map<string, ServiceAccount | undefined>();

  function checkRef(ref: string, flag: string | undefined): void {
    if (!isAccountId(ref) && !namePattern.test(ref)) {
      throw new UsageError(`${flag ? `${flag}: ` : ""}"${ref}" is neither an account name nor an account id (sa_…)`);
    }
  }

  async function findByName(name: string): Promise<ServiceAccount | undefined> {
    if (byName.has(name)) return byName.get(name);
    let pageToken = "";
    let found: ServiceAccount | undefined;
    do {
      const page = await client().accounts.listServiceAccounts({ namePrefix: name, pageSize: 100, pageToken });
      found = page.serviceAccounts.find((a) => a.name === name);
      pageToken = page.nextPageToken;
    } while (!found && pageToken);
    byName.set(name, found);
    return found;
  }

  async function named(ref: string, flag: string | undefined): Promise<ServiceAccount> {
    const account = await findByName(ref);
    if (!account) {
      throw new CommandFailure(exitCodes.notFound, new Error(`not_found: ${flag ? `${flag}: ` : ""}there is no service account named "${ref}"`));
    }
    return account;
  }

  return {
    findByName,
    async accountId(ref, flag) {
      checkRef(ref, flag);
      return isAccountId(ref) ? ref : (await named(ref, flag)).id;
    },
    async account(ref, flag) {
      checkRef(ref, flag);
      if (!isAccountId(ref)) return named(ref, flag);
      return (await client().accounts.getServiceAccount({ id: ref })).serviceAccount!;
    },
    async accountNames(ids) {
      const names = new Map<string, string>();
      const wanted = [...new Set(ids)];
      if (wanted.length > 20) {
        let pageToken = "";
        do {
          const page = await client().accounts.listServiceAccounts({ pageSize: 1000, pageToken });
          for (const a of page.serviceAccounts) names.set(a.id, a.name);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return names;
      }
      await Promise.all(
        wanted.map(async (id) => {
          try {
            const { serviceAccount } = await client().accounts.getServiceAccount({ id });
            if (serviceAccount) names.set(id, serviceAccount.name);
          } catch (error) {
            // Deleted, or beyond the caller's reach: shown by id.
            if (!(error instanceof ConnectError)) throw error;
          }
        }),
      );
      return names;
    },
  };
}
