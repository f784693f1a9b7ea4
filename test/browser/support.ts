// The identity service with its console, as `npm start` assembles it (createApp), on a loopback
// port over a database of its own, configured by environment variables like the real thing; and
// plain HTTP/1.1 requests with full control of their headers, as a browser or an attacker sends them.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import { MongoClient } from "mongodb";
import pino from "pino";
import { inject } from "vitest";
import { bootstrapOrganization, type IssuedCredential } from "../../services/identity/use-cases/bootstrap.ts";
import { createApp } from "../../services/identity/app.ts";
import { listen, type ListenOptions } from "../../services/identity/rpc/server.ts";
import type { IdentityService } from "../../services/identity/rpc/server.ts";
import { bearer } from "../support/harness.ts";
import { testConfig } from "../support/service-tuning.ts";

export interface ConsoleService {
  url: string;
  identity: IdentityService;
  /** The admin of organisation "acme". */
  admin: IssuedCredential;
  /** A client of the bearer-token API sending `token` (default: the admin's). */
  client<S extends DescService>(service: S, token?: string): Client<S>;
  close(): Promise<void>;
}

/** Starts the service; `env` overrides configuration variables (e.g. TESSERA_CONSOLE_IDLE_MS). */
export async function startConsoleService(env: Record<string, string> = {}, listenOptions: ListenOptions = {}): Promise<ConsoleService> {
  const dbName = `c_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const mongo = new MongoClient(inject("mongoUri"));
  await mongo.connect();
  const config = testConfig({ TESSERA_DB_NAME: dbName, TESSERA_USAGE_FLUSH_MS: "100", ...env });
  const identity = await createApp(config, { mongo, log: pino({ level: "silent" }) });
  const server = await listen(identity.handler, "127.0.0.1", 0, { drainMs: 500, ...listenOptions });
  const admin = await bootstrapOrganization(identity.store, {
    org: "acme",
    adminName: "admin",
    tokenPrefix: "tsr",
    tokenPolicy: { maxTtlMs: null, defaultTtlMs: null },
    channel: "cli",
  });
  const transport = (token: string) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [bearer(token)] });
  return {
    url: server.url,
    identity,
    admin,
    client: (service, token = admin.token) => createClient(service, transport(token)),
    close: async () => {
      await server.close();
      await identity.close();
      await mongo.db(dbName).dropDatabase().catch(() => {});
      await mongo.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request with exactly these headers. */
export function request(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method: options.method ?? "POST", headers: options.headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The headers a same-origin console call carries (the console's fetch sends exactly these). */
export const consoleHeaders = (url: string, cookie?: string): Record<string, string> => ({
  origin: url,
  "content-type": "application/json",
  "connect-protocol-version": "1",
  ...(cookie ? { cookie } : {}),
});

export const signInPath = "/console/sign-in/tessera.identity.v1.VerifyService/WhoAmI";

/** Signs in with `token` as the console does; returns the cookie to send back ("name=value"). */
export async function signIn(url: string, token: string): Promise<string> {
  const reply = await request(url, signInPath, { headers: { ...consoleHeaders(url), authorization: `Bearer ${token}` }, body: "{}" });
  if (reply.status !== 200) throw new Error(`sign-in failed: ${reply.status} ${reply.body}`);
  return String(reply.headers["set-cookie"]![0]!.split(";")[0]);
}

/** Debian's chromium, which the browser tests drive (`apt-get install chromium`; .ci/run installs it). */
export const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
