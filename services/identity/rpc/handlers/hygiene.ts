import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { HygieneService, type AccountFindingSchema, type TokenFindingSchema } from "../../../../gen/tessera/identity/v1/hygiene_pb.ts";
import { apiAccountId, apiTokenId } from "../../../../client/ids.ts";
import type { AccountDoc, TokenDoc } from "../../store/documents.ts";
import { hygieneReport, type HygieneDeps } from "../../use-cases/hygiene.ts";
import { callOf } from "../context.ts";
import { optionalTimestamp } from "./convert.ts";

export function hygieneHandlers(deps: HygieneDeps): ServiceImpl<typeof HygieneService> {
  return {
    async getHygieneReport(req, ctx) {
      const { result: r } = await hygieneReport(deps, callOf(ctx), req);
      const token = (t: TokenDoc): MessageInitShape<typeof TokenFindingSchema> => ({
        tokenId: apiTokenId(t._id),
        accountId: apiAccountId(t.accountId),
        accountName: r.accounts.get(t.accountId.toHexString())?.name ?? "",
        label: t.label,
        createTime: timestampFromDate(t.createTime),
        lastUsedTime: optionalTimestamp(t.lastUsedTime),
        expireTime: optionalTimestamp(t.expireTime),
      });
      const account = (a: AccountDoc, roles: string[] = []): MessageInitShape<typeof AccountFindingSchema> => ({
        accountId: apiAccountId(a._id),
        name: a.name,
        lastUsedTime: optionalTimestamp(a.lastUsedTime),
        roles,
      });
      return {
        unusedDays: r.unusedDays,
        expiringDays: r.expiringDays,
        tokensWithoutExpiry: r.tokensWithoutExpiry.map(token),
        unusedTokens: r.unusedTokens.map(token),
        expiringTokens: r.expiringTokens.map(token),
        idleAccounts: r.idleAccounts.map((a) => account(a)),
        adminAccounts: r.adminAccounts.map((a) => account(a.account, a.roles)),
        unexercisedRoles: r.unexercisedRoles,
        truncated: r.truncated,
      };
    },
  };
}
