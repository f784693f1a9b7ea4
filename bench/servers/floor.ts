// Transport floor: a bare node:http2 server answering every request with one constant gRPC
// response (a VerifyResponse) and OK trailers. Nothing can be faster on this runtime.
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { VerifyResponseSchema } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { grpcFrame } from "../../services/identity/rpc/unary-fast-path.ts";
import { constantIdentity } from "./constant-identity.ts";

const frame = grpcFrame(toBinary(VerifyResponseSchema, create(VerifyResponseSchema, { identity: constantIdentity })));
const server = http2.createServer();
server.on("stream", (stream) => {
  stream.on("data", () => {});
  stream.on("end", () => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame);
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on("SIGTERM", () => process.exit(0));
