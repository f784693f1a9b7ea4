// Framework floor: the same VerifyService answered by connect-node with a constant, no work.
import http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { constantIdentity } from "./constant-identity.ts";

const handler = connectNodeAdapter({
  routes: (router) =>
    router.service(VerifyService, {
      verify: () => ({ identity: constantIdentity }),
      whoAmI: () => ({ identity: constantIdentity }),
    }),
});
const server = http2.createServer(handler);
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on("SIGTERM", () => process.exit(0));
