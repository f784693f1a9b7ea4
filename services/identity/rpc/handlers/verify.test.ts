// Verify's memoised answer: built and encoded once per cached object, and never served for another
// (the cache replaces the object when the token or its account is invalidated).
import { create, toBinary } from "@bufbuild/protobuf";
import { createContextValues, createHandlerContext } from "@connectrpc/connect";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { VerifyRequestSchema, VerifyResponseSchema, VerifyService, type VerifyResponse } from "../../../../gen/tessera/identity/v1/verify_pb.ts";
import type { Authenticator, VerifiedToken } from "../../auth/authenticator.ts";
import { callerKey } from "../context.ts";
import { verifyHandlers } from "./verify.ts";

const accountId = new ObjectId();
function verified(name: string): VerifiedToken {
  const token = { _id: new ObjectId(), org: "acme", accountId, permissions: [], environments: [], audiences: [], expireTime: null, revokeTime: null };
  const grants = new Map([["accounts.read", { all: true as const }]]);
  return { token, account: { _id: accountId, org: "acme", name, status: "active" }, roles: ["viewer"], grants, tokenId: token._id.toHexString(), accountId: accountId.toHexString() };
}

/** Verify's handler over an authenticator that answers whatever `current` holds. */
function handler(current: { entry: VerifiedToken }) {
  const verify = verifyHandlers({ verify: async () => current.entry } as unknown as Authenticator).verify!;
  const values = createContextValues().set(callerKey, { org: "acme", grants: new Map([["tokens.verify", { all: true }]]) } as never);
  const ctx = createHandlerContext({ service: VerifyService, method: VerifyService.method.verify, protocolName: "grpc", requestMethod: "POST", url: "/", contextValues: values });
  return () => verify(create(VerifyRequestSchema, { token: "t" }), ctx) as Promise<VerifyResponse>;
}

describe("Verify's answer", () => {
  it("is one object per cached entry, and another once the entry is replaced", async () => {
    const current = { entry: verified("bot") };
    const call = handler(current);
    const first = await call();
    expect(await call()).toBe(first);
    current.entry = verified("renamed-bot"); // what the cache answers after an invalidation
    const second = await call();
    expect(second).not.toBe(first);
    expect(second.identity?.principal?.accountName).toBe("renamed-bot");
    expect(toBinary(VerifyResponseSchema, second)).not.toEqual(toBinary(VerifyResponseSchema, first));
  });
});
