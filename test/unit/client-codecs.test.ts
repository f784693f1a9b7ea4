// The API's codecs in client/: the one definition of id prefixes, state names, role binding
// scopes, code names and the line a person reads for an error.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { claimConditionFields, claimConditionMessage } from "../../client/claim-conditions.ts";
import { ClaimConditionSchema } from "../../gen/tessera/identity/v1/federation_pb.ts";
import { codeName, describeError, errorDetail } from "../../client/errors.ts";
import { accountIdPrefix, apiAccountId, apiTokenId, parseApiId, tokenIdPrefix } from "../../client/ids.ts";
import { deniesGrant, verifyReasons } from "../../client/reasons.ts";
import { environmentScope, roleBinding } from "../../client/role-bindings.ts";
import {
  accountStatusName,
  parseAccountStatus,
  parseTokenState,
  tokenStateByName,
  tokenStateName,
  tokenStateNames,
} from "../../client/states.ts";
import { ErrorDetailSchema } from "../../gen/tessera/identity/v1/common_pb.ts";
import { ServiceAccountStatus } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";

const hex = "65f0a1b2c3d4e5f6a7b8c9d0";

describe("client codecs", () => {
  it("format and parse resource ids by their prefix", () => {
    expect(apiAccountId(hex)).toBe(`sa_${hex}`);
    expect(apiTokenId({ toHexString: () => hex })).toBe(`tok_${hex}`);
    expect(parseApiId(accountIdPrefix, `sa_${hex}`)).toBe(hex);
    expect(parseApiId(tokenIdPrefix, `sa_${hex}`)).toBeUndefined();
    expect(parseApiId(tokenIdPrefix, `tok_${hex}0`)).toBeUndefined();
    expect(parseApiId(tokenIdPrefix, `tok_${hex.toUpperCase()}`)).toBeUndefined();
  });

  it("name token states and account statuses both ways", () => {
    for (const name of tokenStateNames) expect(tokenStateName(tokenStateByName[name])).toBe(name);
    expect(tokenStateName(TokenState.UNSPECIFIED)).toBeUndefined();
    expect(parseTokenState("revoked")).toBe(TokenState.REVOKED);
    expect(parseTokenState("toString")).toBeUndefined();
    expect(parseAccountStatus("disabled")).toBe(ServiceAccountStatus.DISABLED);
    expect(parseAccountStatus("gone")).toBeUndefined();
    expect(accountStatusName(ServiceAccountStatus.DISABLED)).toBe("disabled");
    expect(accountStatusName(ServiceAccountStatus.UNSPECIFIED)).toBe("active");
  });

  it("say 'all' or list the environments of a binding", () => {
    expect(environmentScope({ allEnvironments: true, environments: [] })).toBe("all");
    expect(environmentScope({ allEnvironments: false, environments: ["staging"] })).toEqual(["staging"]);
    expect(roleBinding("viewer", "all")).toEqual({ role: "viewer", allEnvironments: true });
    expect(roleBinding("developer", ["staging"])).toEqual({ role: "developer", environments: ["staging"] });
  });

  it("tell a denied grant from a bad token", () => {
    expect(deniesGrant(verifyReasons.environmentDenied)).toBe(true);
    expect(deniesGrant(verifyReasons.permissionDenied)).toBe(true);
    expect(deniesGrant(verifyReasons.revoked)).toBe(false);
  });

  it("describe errors in one line, with the reason when it says more than the code", () => {
    expect(codeName(Code.PermissionDenied)).toBe("permission_denied");
    expect(codeName(Code.Unauthenticated)).toBe("unauthenticated");
    const detailed = new ConnectError("the last admin", Code.FailedPrecondition, undefined, [
      { desc: ErrorDetailSchema, value: { reason: "last_admin", field: "" } },
    ]);
    expect(errorDetail(detailed)?.reason).toBe("last_admin");
    expect(describeError(detailed)).toBe("failed_precondition (last_admin): the last admin");
    const plain = new ConnectError("no", Code.PermissionDenied, undefined, [
      { desc: ErrorDetailSchema, value: { reason: "permission_denied", field: "" } },
    ]);
    expect(describeError(plain)).toBe("permission_denied: no");
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("text")).toBe("text");
  });
});

describe("claim conditions", () => {
  it("round-trip equals and pattern, and send no guess when neither or both are set", () => {
    for (const fields of [{ claim: "repository", equals: "acme/api" }, { claim: "ref", pattern: "refs/heads/*" }]) {
      expect(claimConditionFields(create(ClaimConditionSchema, claimConditionMessage(fields)))).toEqual(fields);
    }
    expect(claimConditionMessage({ claim: "sub" })).toEqual({ claim: "sub" });
    expect(claimConditionMessage({ claim: "sub", equals: "a", pattern: "b*" })).toEqual({ claim: "sub" });
  });
});
