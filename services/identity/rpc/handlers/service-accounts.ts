import type { ServiceImpl } from "@connectrpc/connect";
import { ServiceAccountService, ServiceAccountStatus } from "../../../../gen/tessera/identity/v1/service_account_pb.ts";
import { invalidArgument } from "../../domain/errors.ts";
import * as accounts from "../../use-cases/accounts.ts";
import type { Deps } from "../../use-cases/deps.ts";
import { callOf } from "../context.ts";
import { accountMessage } from "./convert.ts";

const message = ({ result }: { result: accounts.AccountView }) => ({ serviceAccount: accountMessage(result.account, result.activeTokenCount) });

export function serviceAccountHandlers(deps: Deps): ServiceImpl<typeof ServiceAccountService> {
  return {
    createServiceAccount: async (req, ctx) => message(await accounts.createAccount(deps, callOf(ctx), req)),
    getServiceAccount: async (req, ctx) => message(await accounts.getAccount(deps, callOf(ctx), req.id)),

    async listServiceAccounts(req, ctx) {
      const { result } = await accounts.listAccounts(deps, callOf(ctx), { ...req, status: statusFilter(req.status) });
      return {
        serviceAccounts: result.accounts.map((a) => accountMessage(a.account, a.activeTokenCount)),
        nextPageToken: result.nextPageToken,
      };
    },

    updateServiceAccount: async (req, ctx) =>
      message(await accounts.updateAccount(deps, callOf(ctx), { serviceAccount: req.serviceAccount, paths: req.updateMask?.paths ?? [] })),
    disableServiceAccount: async (req, ctx) => message(await accounts.disableAccount(deps, callOf(ctx), req.id)),
    enableServiceAccount: async (req, ctx) => message(await accounts.enableAccount(deps, callOf(ctx), req.id)),

    async deleteServiceAccount(req, ctx) {
      const { result } = await accounts.deleteAccount(deps, callOf(ctx), req.id);
      return { revokedTokenCount: result.revokedTokenCount };
    },
  };
}

function statusFilter(status: ServiceAccountStatus): "active" | "disabled" | undefined {
  switch (status) {
    case ServiceAccountStatus.UNSPECIFIED:
      return undefined;
    case ServiceAccountStatus.ACTIVE:
      return "active";
    case ServiceAccountStatus.DISABLED:
      return "disabled";
    default:
      throw invalidArgument("status", "is not a known status");
  }
}
