import { describe, expect, it } from "vitest";
import { RequestHeaders } from "./request-headers.ts";

describe("RequestHeaders", () => {
  const raw = () => ({ ":path": "/x", authorization: "Bearer t", "x-many": ["a", "b"] });

  it("reads names case-insensitively, never pseudo-headers, joining repeated values", () => {
    const headers = new RequestHeaders(raw());
    expect([headers.get("Authorization"), headers.get(":path"), headers.get("x-many"), headers.has("nope")]).toEqual(["Bearer t", null, "a, b", false]);
  });

  it("behaves as a Headers once iterated, copied or changed", () => {
    const headers = new RequestHeaders(raw());
    expect(headers).toBeInstanceOf(Headers);
    expect([...headers]).toEqual([["authorization", "Bearer t"], ["x-many", "a, b"]]);
    headers.set("x-new", "1");
    headers.delete("authorization");
    expect(Object.fromEntries(new Headers(headers))).toEqual({ "x-many": "a, b", "x-new": "1" });
    expect([headers.get("x-new"), headers.has("authorization")]).toEqual(["1", false]);
  });
});
