// A real identity service on a loopback port, over a database of its own, with clients for the
// three protocols it speaks. Every integration test file starts one.
import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { MongoClient } from "mongodb";
import pino, { type Logger } from "pino";
import { inject } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RoleBindingSchema } from "../../gen/tessera/identity/v1/common_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { bootstrapOrganization, type IssuedCredential } from "../../services/identity/use-cases/bootstrap.ts";
import { Metrics } from "../../services/identity/rpc/metrics.ts";
import { testConfig } from "./service-tuning.ts";
import { createApp } from "../../services/identity/app.ts";
import { listen, type IdentityService } from "../../services/identity/rpc/server.ts";

export type Binding = MessageInitShape<typeof RoleBindingSchema>;
export type Protocol = "connect" | "grpc" | "grpc-web";

export interface Harness {
  url: string;
  identity: IdentityService;
  mongo: MongoClient;
  dbName: string;
  /** The admin of org "acme" and of org "globex". */
  acme: IssuedCredential;
  globex: IssuedCredential;
  /** The transport sending `token` (null: no Authorization header) over `protocol`. */
  transport(token: string | null, protocol?: Protocol): Transport;
  /** A client sending `token` (default: acme's admin; null: no Authorization header). */
  client<S extends DescService>(service: S, token?: string | null, protocol?: Protocol): Client<S>;
  /** Creates an account in acme with these bindings and returns it with a fresh token. */
  provision(name: string, bindings: Binding[], org?: "acme" | "globex"): Promise<{ accountId: string; token: string; tokenId: string }>;
  close(): Promise<void>;
}

export function bearer(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** Settings of a harness; `env` adds configuration variables (names and values). */
export interface HarnessOptions {
  usageFlushMs?: number;
  log?: Logger;
  authFailureLimit?: number;
  env?: Record<string, string>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dbName = `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const metrics = new Metrics();
  const mongo = new MongoClient(inject("mongoUri"));
  metrics.watchPool(mongo);
  await mongo.connect();
  const config = testConfig({
    TESSERA_DB_NAME: dbName,
    TESSERA_USAGE_FLUSH_MS: String(options.usageFlushMs ?? 200),
    ...(options.authFailureLimit === undefined ? {} : { TESSERA_AUTH_FAILURE_LIMIT: String(options.authFailureLimit) }),
    ...options.env,
  });
  const identity = await createApp(config, { mongo, metrics, log: options.log ?? pino({ level: "silent" }) });
  const server = await listen(identity.handler, "127.0.0.1", 0);
  const policy = { maxTtlMs: null, defaultTtlMs: null };
  const acme = await bootstrapOrganization(identity.store, { org: "acme", adminName: "admin", tokenPrefix: "tsr", tokenPolicy: policy, channel: "cli" });
  const globex = await bootstrapOrganization(identity.store, { org: "globex", adminName: "admin", tokenPrefix: "tsr", tokenPolicy: policy, channel: "cli" });
  const transports = new Map<string, Transport>();
  const transportFor = (token: string | null, protocol: Protocol): Transport => {
    const key = `${protocol}:${token ?? ""}`;
    let transport = transports.get(key);
    if (!transport) {
      const settings = { baseUrl: server.url, interceptors: token === null ? [] : [bearer(token)] };
      transport =
        protocol === "grpc"
          ? createGrpcTransport(settings)
          : protocol === "grpc-web"
            ? createGrpcWebTransport({ ...settings, httpVersion: "2" })
            : createConnectTransport({ ...settings, httpVersion: "2" });
      transports.set(key, transport);
    }
    return transport;
  };
  const client = <S extends DescService>(service: S, token: string | null = acme.token, protocol: Protocol = "connect") =>
    createClient(service, transportFor(token, protocol));
  return {
    url: server.url,
    identity,
    mongo,
    dbName,
    acme,
    globex,
    client,
    transport: (token, protocol = "connect") => transportFor(token, protocol),
    provision: async (name, bindings, org = "acme") => {
      const admin = org === "acme" ? acme.token : globex.token;
      const { serviceAccount } = await client(ServiceAccountService, admin).createServiceAccount({ name, roleBindings: bindings });
      const created = await client(TokenService, admin).createToken({ accountId: serviceAccount!.id, label: "test" });
      return { accountId: serviceAccount!.id, token: created.secret, tokenId: created.token!.id };
    },
    close: async () => {
      await server.close();
      await identity.close();
      await mongo.db(dbName).dropDatabase().catch(() => {});
      await mongo.close();
    },
  };
}
