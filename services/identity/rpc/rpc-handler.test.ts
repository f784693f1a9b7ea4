// The RPC pipeline served both ways: as a request handler (Node's compatibility layer) and straight
// from the HTTP/2 stream (serveStreams, as rpc/server.ts serves it). The fast path is recognisable
// by its answer to a body it cannot parse: INVALID_ARGUMENT, where connect-node says INTERNAL.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient, createContextValues } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { VerifyService } from "../../../gen/tessera/identity/v1/verify_pb.ts";
import { rpcHandler, serveStreams } from "./rpc-handler.ts";

/** What the slow WhoAmI saw of its signal: read before it waited (early) or after. */
const slow = { readEarly: false, aborted: undefined as boolean | undefined, reason: undefined as unknown };

const handler = rpcHandler({
  routes: (router) =>
    router.service(VerifyService, {
      verify: (req) => ({ valid: req.token === "good" }),
      async whoAmI(_req, ctx) {
        const early = slow.readEarly ? ctx.signal : undefined;
        await new Promise((resolve) => setTimeout(resolve, 150));
        const signal = early ?? ctx.signal;
        [slow.aborted, slow.reason] = [signal.aborted, signal.reason];
        return {};
      },
    }),
  interceptors: [],
  readMaxBytes: 1024,
  contextValues: () => createContextValues(),
});

/** A server of `handler`; `requests` counts the calls that reached Node's compatibility layer. */
async function serve(streams: boolean): Promise<{ url: string; requests: () => number }> {
  const server = http2.createServer(handler);
  if (streams) serveStreams(server, handler.stream!);
  let requests = 0;
  server.on("request", () => requests++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

async function post(url: string, contentType: string, body: Uint8Array) {
  const session = http2.connect(url);
  const stream = session.request({ ":method": "POST", ":path": "/tessera.identity.v1.VerifyService/Verify", "content-type": contentType, te: "trailers" });
  const answer = new Promise<{ status: string | undefined; headers: http2.IncomingHttpHeaders }>((resolve) => {
    let headers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => resolve({ status: t["grpc-status"] as string | undefined, headers }));
    stream.on("end", () => resolve({ status: headers["grpc-status"] as string | undefined, headers }));
  });
  stream.resume();
  stream.end(body);
  const result = await answer;
  session.close();
  return result;
}

const servers: http2.Http2Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe.each([false, true])("rpcHandler (straight from the stream: %s)", (streams) => {
  it("answers over gRPC, gRPC-Web and the Connect protocol", async () => {
    const { url, requests } = await serve(streams);
    for (const transport of [createGrpcTransport({ baseUrl: url }), createGrpcWebTransport({ baseUrl: url, httpVersion: "2" }), createConnectTransport({ baseUrl: url, httpVersion: "2" })]) {
      expect((await createClient(VerifyService, transport).verify({ token: "good" })).valid).toBe(true);
    }
    expect(requests()).toBe(streams ? 0 : 3);
  });

  it("serves unary calls on the fast path, refusing what it cannot parse and what is too large", async () => {
    const { url } = await serve(streams);
    const garbage = Buffer.from([0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
    expect((await post(url, "application/grpc", garbage)).status).toBe(String(Code.InvalidArgument));
    const large = Buffer.alloc(5 + 4096);
    large.writeUInt32BE(4096, 1);
    expect((await post(url, "application/grpc", large)).status).toBe(String(Code.ResourceExhausted));
    // Not a content type the fast path knows, even one named like an object's own property.
    expect((await post(url, "constructor", garbage)).headers[":status"]).toBe(415);
    const refused = await createClient(VerifyService, createConnectTransport({ baseUrl: url, httpVersion: "2" }))
      .verify({ token: "x".repeat(2000) })
      .catch((e: unknown) => ConnectError.from(e));
    expect((refused as ConnectError).code).toBe(Code.ResourceExhausted);
  });

  it("aborts a call's signal when its deadline passes, whether the handler asked for it before or after", async () => {
    const { url } = await serve(streams);
    const client = createClient(VerifyService, createGrpcTransport({ baseUrl: url }));
    for (const readEarly of [true, false]) {
      Object.assign(slow, { readEarly, aborted: undefined, reason: undefined });
      const error = await client.whoAmI({}, { timeoutMs: 50 }).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
      await expect.poll(() => slow.aborted).toBe(true);
      // The client gives up at the same moment and resets the stream: whichever the server sees first.
      expect([Code.DeadlineExceeded, Code.Canceled]).toContain(ConnectError.from(slow.reason).code);
    }
  });
});
