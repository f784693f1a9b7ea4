// A request body that cannot be parsed is INVALID_ARGUMENT on every path the port serves: gRPC and
// gRPC-Web (binary and JSON, plain and gzip), Connect POST (plain and gzip) and Connect GET.
import http from "node:http";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const path = "/tessera.identity.v1.ServiceAccountService/ListServiceAccounts";
// Field 1, length-delimited, claiming 127 bytes that are not there.
const garbage = Buffer.from([0x0a, 0x7f, 0x01]);

function envelope(flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function send(method: "GET" | "POST", url: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const session = http2.connect(h.url);
  return new Promise<Answer>((resolve, reject) => {
    const stream = session.request({ ":method": method, ":path": url, authorization: `Bearer ${h.acme.token}`, ...headers });
    const answer: Answer = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    stream.on("response", (head) => ((answer.status = Number(head[":status"])), (answer.headers = head)));
    stream.on("trailers", (trailers) => (answer.trailers = trailers));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ ...answer, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(body);
  }).finally(() => session.close());
}

/** The same over HTTP/1.1 (browsers, plain curl): status and body. */
function sendHttp1(headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const { hostname, port } = new URL(h.url);
  return new Promise<Answer>((resolve, reject) => {
    const request = http.request({ host: hostname, port, path, method: "POST", headers: { authorization: `Bearer ${h.acme.token}`, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, trailers: {}, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** The grpc-status of a gRPC-Web answer: from its trailer frame (or headers, for trailers-only). */
function grpcWebStatus(answer: Answer): string | undefined {
  let at = 0;
  while (at + 5 <= answer.body.length) {
    const length = answer.body.readUInt32BE(at + 1);
    if (answer.body[at]! & 0x80) return /grpc-status: ?(\d+)/.exec(answer.body.subarray(at + 5, at + 5 + length).toString())?.[1];
    at += 5 + length;
  }
  return answer.headers["grpc-status"] as string | undefined;
}

describe("unparseable requests", () => {
  it("are INVALID_ARGUMENT over gRPC, plain and gzip", async () => {
    const plain = await send("POST", path, { "content-type": "application/grpc", te: "trailers" }, envelope(0, garbage));
    expect(plain.trailers["grpc-status"] ?? plain.headers["grpc-status"]).toBe("3");
    const gzip = await send("POST", path, { "content-type": "application/grpc", "grpc-encoding": "gzip", te: "trailers" }, envelope(1, gzipSync(garbage)));
    expect(gzip.trailers["grpc-status"] ?? gzip.headers["grpc-status"]).toBe("3");
    const notGzip = await send("POST", path, { "content-type": "application/grpc", "grpc-encoding": "gzip", te: "trailers" }, envelope(1, garbage));
    expect(notGzip.trailers["grpc-status"] ?? notGzip.headers["grpc-status"]).toBe("3");
  });

  it("are INVALID_ARGUMENT over gRPC-Web, binary and JSON", async () => {
    const binary = await send("POST", path, { "content-type": "application/grpc-web+proto" }, envelope(0, garbage));
    expect([binary.status, grpcWebStatus(binary)]).toEqual([200, "3"]);
    const json = await send("POST", path, { "content-type": "application/grpc-web+json" }, envelope(0, Buffer.from("{nope")));
    expect([json.status, grpcWebStatus(json)]).toEqual([200, "3"]);
  });

  it("are 400 invalid_argument over Connect POST (plain and gzip) and GET", async () => {
    for (const answer of [
      await send("POST", path, { "content-type": "application/proto" }, garbage),
      await send("POST", path, { "content-type": "application/proto", "content-encoding": "gzip" }, gzipSync(garbage)),
      await send("POST", path, { "content-type": "application/json", "content-encoding": "gzip" }, Buffer.from("not gzip")),
      await send("GET", `${path}?connect=v1&encoding=proto&base64=1&message=${garbage.toString("base64url")}`, {}),
      await send("GET", `${path}?connect=v1&encoding=json&message=${encodeURIComponent('{"status":"NOPE"}')}`, {}),
    ]) {
      expect([answer.status, (JSON.parse(answer.body.toString()) as { code: string }).code]).toEqual([400, "invalid_argument"]);
    }
  });

  it("are INVALID_ARGUMENT over HTTP/1.1 too: Connect and gRPC-Web", async () => {
    const connect = await sendHttp1({ "content-type": "application/proto" }, garbage);
    expect([connect.status, (JSON.parse(connect.body.toString()) as { code: string }).code]).toEqual([400, "invalid_argument"]);
    const web = await sendHttp1({ "content-type": "application/grpc-web+proto" }, envelope(0, garbage));
    expect([web.status, grpcWebStatus(web)]).toEqual([200, "3"]);
    const good = await sendHttp1({ "content-type": "application/json" }, Buffer.from("{}"));
    expect(good.status).toBe(200);
  });

  it("still serves good requests on those paths", async () => {
    const get = await send("GET", `${path}?connect=v1&encoding=json&message=${encodeURIComponent("{}")}`, {});
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body.toString())).toHaveProperty("serviceAccounts");
    const web = await send("POST", path, { "content-type": "application/grpc-web+proto" }, envelope(0, Buffer.alloc(0)));
    expect([web.status, grpcWebStatus(web)]).toEqual([200, "0"]);
    const gzip = await send("POST", path, { "content-type": "application/json", "content-encoding": "gzip" }, gzipSync("{}"));
    expect(gzip.status).toBe(200);
  });
});
