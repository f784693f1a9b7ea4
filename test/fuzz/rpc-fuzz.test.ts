// Property-based fuzzing of every RPC over Connect binary, Connect JSON and native gRPC: generated
// requests (wrong types by way of hostile values, huge and odd strings, unknown enums, bogus ids,
// page tokens and update masks) never get INTERNAL or UNKNOWN, and the service stays up. CI runs a
// seed-stable sample; FUZZ_RUNS=10000 is the long run (docs/reliability.md).
import http2 from "node:http2";
import { create, toJsonString, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { identityServices } from "../../services/identity/rpc/server.ts";
import { bearer, startHarness, type Harness } from "../support/harness.ts";
import { message } from "./arbitraries.ts";

const runs = Number(process.env.FUZZ_RUNS ?? 25);
const seed = Number(process.env.FUZZ_SEED ?? 20261123);
let h: Harness;
const transports: Record<string, Transport> = {};
let requests = 0;

beforeAll(async () => {
  h = await startHarness();
  const settings = { baseUrl: h.url, interceptors: [bearer(h.acme.token)] };
  transports["connect-binary"] = createConnectTransport({ ...settings, httpVersion: "2", useBinaryFormat: true });
  transports["connect-json"] = createConnectTransport({ ...settings, httpVersion: "2", useBinaryFormat: false });
  transports.grpc = createGrpcTransport(settings);
});
afterAll(async () => {
  console.log(`fuzzed ${requests} requests`);
  await h.close();
});

const forbidden = new Set([Code.Internal, Code.Unknown]);
const methods: DescMethod[] = identityServices.flatMap((s) => s.methods);

/** The outcome, or "unsendable" when the client cannot encode the message for this protocol. */
async function call(protocol: string, method: DescMethod, init: Record<string, unknown>): Promise<Code | "ok" | "unsendable"> {
  const client = createClient(method.parent, transports[protocol]!) as unknown as Record<string, (m: unknown) => Promise<unknown>>;
  if (protocol === "connect-json") {
    // Out-of-range timestamps and durations, and field-mask paths JSON cannot spell, exist only in binary.
    try {
      toJsonString(method.input, create(method.input, init));
    } catch {
      return "unsendable";
    }
  }
  requests++;
  try {
    await client[method.localName]!(create(method.input, init));
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe.each(methods.map((m) => [`${m.parent.name}.${m.name}`, m] as const))("%s", (_name, method) => {
  it("never answers INTERNAL or UNKNOWN to generated requests", async () => {
    await fc.assert(
      fc.asyncProperty(message(method.input), fc.constantFrom("connect-binary", "connect-json", "grpc"), async (init, protocol) => {
        const outcome = await call(protocol, method, init);
        expect(forbidden.has(outcome as Code), `${protocol} ${JSON.stringify(init, (_k, v) => (typeof v === "bigint" ? String(v) : v)).slice(0, 300)}`).toBe(false);
      }),
      { numRuns: runs, seed },
    );
  });
});

describe("hostile encodings", () => {
  function raw(path: string, contentType: string, body: Uint8Array): Promise<{ status: number; grpcStatus?: string; text: string }> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(h.url);
      session.on("error", reject);
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": contentType,
        authorization: `Bearer ${h.acme.token}`,
        ...(contentType.startsWith("application/grpc") ? { te: "trailers" } : {}),
      });
      let status = 0;
      let grpcStatus: string | undefined;
      let text = "";
      stream.on("response", (headers) => {
        status = Number(headers[":status"]);
        grpcStatus = headers["grpc-status"] as string | undefined;
      });
      stream.on("trailers", (trailers) => (grpcStatus = (trailers["grpc-status"] as string) ?? grpcStatus));
      stream.on("data", (chunk) => (text += String(chunk)));
      stream.on("end", () => {
        session.close();
        resolve({ status, grpcStatus, text });
      });
      stream.end(body);
    });
  }
  const envelope = (bytes: Uint8Array) => {
    const out = Buffer.alloc(5 + bytes.length);
    out.writeUInt32BE(bytes.length, 1);
    out.set(bytes, 5);
    return out;
  };
  const path = `/${VerifyService.typeName}/WhoAmI`;
  const verifyPath = `/${VerifyService.typeName}/Verify`;

  it("rejects random bytes, invalid UTF-8 and unknown fields without INTERNAL, on every protocol", async () => {
    const invalidUtf8 = Uint8Array.from([0x0a, 0x02, 0xff, 0xfe]); // field 1 (token), bytes that are not UTF-8
    const unknownField = Uint8Array.from([0xf8, 0x07, 0x01]); // field 127, varint 1
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constant(invalidUtf8), fc.constant(unknownField)), async (bytes) => {
        requests += 3;
        const connect = await raw(verifyPath, "application/proto", bytes);
        expect(connect.text).not.toMatch(/"code":"(internal|unknown)"/);
        const json = await raw(verifyPath, "application/json", bytes);
        expect(json.text).not.toMatch(/"code":"(internal|unknown)"/);
        const grpc = await raw(verifyPath, "application/grpc", envelope(bytes));
        expect(["2", "13"]).not.toContain(grpc.grpcStatus);
      }),
      { numRuns: runs, seed },
    );
    // Unknown fields are ignored, as protobuf requires.
    expect((await raw(path, "application/grpc", envelope(unknownField))).grpcStatus).toBe("0");
  });

  it("enforces the message size limit on every protocol", async () => {
    const huge = "x".repeat(2 * 1024 * 1024);
    for (const protocol of Object.keys(transports)) {
      const outcome = await call(protocol, VerifyService.method.verify, { token: huge });
      expect(outcome, protocol).toBe(Code.ResourceExhausted);
    }
  });
});
