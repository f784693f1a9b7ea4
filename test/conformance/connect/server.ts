// The server under test for the Connect conformance suite (server mode): reads one size-delimited
// ServerCompatRequest from stdin, serves the conformance service through exactly the identity API's
// stack (rpcHandler: connect's router, the unary fast path, connect-node for the rest; listen():
// cleartext HTTP/2 only), writes a size-delimited ServerCompatResponse to stdout, and runs until
// SIGTERM. Run by test/conformance/connect/run.ts; logs go to stderr, stdout is the runner's.
import { createRegistry, fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { listen } from "../../../services/identity/rpc/server.ts";
import { rpcHandler } from "../../../services/identity/rpc/rpc-handler.ts";
import { HTTPVersion } from "./gen/connectrpc/conformance/v1/config_pb.ts";
import { ServerCompatRequestSchema, ServerCompatResponseSchema } from "./gen/connectrpc/conformance/v1/server_compat_pb.ts";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformanceService,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
} from "./gen/connectrpc/conformance/v1/service_pb.ts";
import { conformanceService } from "./service.ts";

/** Reads one message prefixed with its big-endian 32-bit length. */
async function readDelimited(stream: NodeJS.ReadableStream): Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  for await (const chunk of stream) {
    buffered = Buffer.concat([buffered, chunk as Buffer]);
    if (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) break;
  }
  if (buffered.length < 4 || buffered.length < 4 + buffered.readUInt32BE(0)) throw new Error("stdin ended before a ServerCompatRequest");
  return buffered.subarray(4, 4 + buffered.readUInt32BE(0));
}

const request = fromBinary(ServerCompatRequestSchema, await readDelimited(process.stdin));
if (request.useTls) throw new Error("TLS is not served: the identity API's listen() is cleartext HTTP/2 only");
if (request.httpVersion !== HTTPVersion.HTTP_VERSION_2) {
  throw new Error(`HTTP version ${HTTPVersion[request.httpVersion]} is not served: listen() is HTTP/2 (h2c) only`);
}

const handler = rpcHandler({
  routes: (router) => router.service(ConformanceService, conformanceService),
  interceptors: [],
  readMaxBytes: request.messageReceiveLimit > 0 ? request.messageReceiveLimit : 0xffffffff,
  contextValues: () => createContextValues(),
  // The payloads echo requests in google.protobuf.Any, which JSON can only write with their types.
  jsonRegistry: createRegistry(
    UnaryRequestSchema,
    IdempotentUnaryRequestSchema,
    ServerStreamRequestSchema,
    ClientStreamRequestSchema,
    BidiStreamRequestSchema,
  ),
});
const server = await listen(handler, "127.0.0.1", 0, { drainMs: 100 });

const response = toBinary(ServerCompatResponseSchema, create(ServerCompatResponseSchema, { host: "127.0.0.1", port: server.port }));
const size = Buffer.alloc(4);
size.writeUInt32BE(response.length);
process.stdout.write(Buffer.concat([size, response]));

process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
// The runner ends its servers with SIGTERM; should it die first, its servers follow.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
