// Framework floor: the same VerifyService (same .proto) answered by a @grpc/grpc-js server.
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { constantIdentity } from "./constant-identity.ts";

const definition = protoLoader.loadSync("tessera/identity/v1/verify.proto", { includeDirs: [resolve(import.meta.dirname, "../../proto")] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg = grpc.loadPackageDefinition(definition) as any;
const server = new grpc.Server();
server.addService(pkg.tessera.identity.v1.VerifyService.service, {
  verify: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, { identity: constantIdentity }),
  whoAmI: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, { identity: constantIdentity }),
});
server.bindAsync(`127.0.0.1:${process.env.PORT ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(`listening ${port}`);
});

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on("SIGTERM", () => process.exit(0));
