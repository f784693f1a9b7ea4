// Builds the identity service: routes, interceptors and the HTTP/2 server that speaks Connect,
// gRPC and gRPC-Web on one cleartext HTTP/2 port.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { createContextValues, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Db } from "mongodb";
import type { Logger } from "pino";
import { AuditService } from "../../../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../../../gen/tessera/identity/v1/environment_pb.ts";
import { OrganizationService } from "../../../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../../gen/tessera/identity/v1/verify_pb.ts";
import { Authenticator } from "../authenticator.ts";
import { auditHandlers } from "../handlers/audit.ts";
import type { Deps } from "../handlers/deps.ts";
import { environmentHandlers } from "../handlers/environments.ts";
import { organizationHandlers } from "../handlers/organizations.ts";
import { roleHandlers } from "../handlers/roles.ts";
import { serviceAccountHandlers } from "../handlers/service-accounts.ts";
import { tokenHandlers } from "../handlers/tokens.ts";
import { verifyHandlers } from "../handlers/verify.ts";
import { openStore, type Store } from "../store/store.ts";
import { UsageRecorder } from "../usage-recorder.ts";
import { peerKey } from "./context.ts";
import { errorMappingInterceptor } from "./error-mapping.ts";
import { auditInterceptor, authInterceptor, requestContextInterceptor } from "./interceptors.ts";

export interface IdentityOptions {
  db: Db;
  log: Logger;
  tokenPrefix: string;
  /** The audience API callers' tokens must name, when they name any. */
  apiAudience: string;
  usageFlushMs: number;
  maxMessageBytes: number;
}

export interface IdentityService {
  store: Store;
  authenticator: Authenticator;
  handler: ReturnType<typeof connectNodeAdapter>;
  /** Flushes pending usage records. */
  close(): Promise<void>;
}

/** "CreateServiceAccount" → "service_account.create". */
export function actionOf(method: string): string {
  const [verb, ...noun] = method.split(/(?=[A-Z])/);
  return `${noun.join("_").toLowerCase()}.${verb!.toLowerCase()}`;
}

export function routes(deps: Deps) {
  return (router: ConnectRouter) => {
    router.service(ServiceAccountService, serviceAccountHandlers(deps));
    router.service(TokenService, tokenHandlers(deps));
    router.service(VerifyService, verifyHandlers(deps));
    router.service(RoleService, roleHandlers(deps));
    router.service(EnvironmentService, environmentHandlers(deps));
    router.service(AuditService, auditHandlers(deps));
    router.service(OrganizationService, organizationHandlers(deps));
  };
}

export async function build(options: IdentityOptions): Promise<IdentityService> {
  const store = await openStore(options.db);
  const usage = new UsageRecorder(store, options.usageFlushMs, (err) => options.log.warn({ err }, "recording token use failed"));
  const authenticator = new Authenticator(store, options.tokenPrefix, usage);
  const deps: Deps = { store, authenticator, tokenPrefix: options.tokenPrefix };
  const handler = connectNodeAdapter({
    routes: routes(deps),
    interceptors: [
      requestContextInterceptor(options.log),
      auditInterceptor(store, actionOf),
      errorMappingInterceptor(options.log),
      authInterceptor(authenticator, options.apiAudience),
    ],
    readMaxBytes: options.maxMessageBytes,
    contextValues: (req) => createContextValues().set(peerKey, req.socket.remoteAddress ?? ""),
  });
  return { store, authenticator, handler, close: () => usage.close() };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(handler: IdentityService["handler"], host: string, port: number): Promise<RunningServer> {
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight calls finish, then end idle sessions.
        server.close(() => resolve());
        for (const session of sessions) session.close();
      }),
  };
}
