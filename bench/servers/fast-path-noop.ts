// Tessera's own floor: the same no-op VerifyService served by the identity API's RPC pipeline as
// rpc/server.ts serves it (rpc-handler.ts: the unary fast path, straight from the HTTP/2 stream)
// with no interceptors. Verify's distance to it is the interceptors, authentication and the handler.
import http2 from "node:http2";
import { createContextValues } from "@connectrpc/connect";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { rpcHandler, serveStreams } from "../../services/identity/rpc/rpc-handler.ts";
import { constantIdentity } from "./constant-identity.ts";

const handler = rpcHandler({
  routes: (router) =>
    router.service(VerifyService, {
      verify: () => ({ identity: constantIdentity }),
      whoAmI: () => ({ identity: constantIdentity }),
    }),
  interceptors: [],
  readMaxBytes: 1024 * 1024,
  contextValues: () => createContextValues(),
});
const server = http2.createServer(handler);
serveStreams(server, handler.stream!);
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on("SIGTERM", () => process.exit(0));
