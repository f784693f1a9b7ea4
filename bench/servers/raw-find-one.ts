// Database floor for cold Verify: a bare node:http2 server that decodes the VerifyRequest, hashes
// the token and runs one driver findOne by hash, then answers a constant.
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { MongoClient } from "mongodb";
import { VerifyRequestSchema, VerifyResponseSchema } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { hashToken } from "../../services/identity/domain/token-format.ts";
import { grpcFrame } from "../../services/identity/rpc/unary-fast-path.ts";
import { constantIdentity } from "./constant-identity.ts";

const mongo = await new MongoClient(process.env.MONGODB_URI!, { minPoolSize: 2, maxPoolSize: 50 }).connect();
const tokens = mongo.db(process.env.TESSERA_DB_NAME!).collection("tokens");
const frame = grpcFrame(toBinary(VerifyResponseSchema, create(VerifyResponseSchema, { identity: constantIdentity })));
const server = http2.createServer();
server.on("stream", (stream) => {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("end", async () => {
    const body = Buffer.concat(chunks);
    const request = fromBinary(VerifyRequestSchema, body.subarray(5));
    const found = await tokens.findOne({ hash: hashToken(request.token) });
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": found ? "0" : "5" }));
    stream.end(frame);
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on("SIGTERM", () => process.exit(0));
