// Builds the identity service: routes, interceptors and the server that speaks Connect, gRPC and
// gRPC-Web on one port: HTTP/2 (cleartext with prior knowledge, or TLS) and HTTP/1.1 beside it,
// for browsers and plain curl. gRPC health and reflection share the port but not the identity
// interceptors: probes and grpcurl come without tokens and change nothing. The web console is
// served under /console/ on the same origin as the API it calls.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { TLSSocket } from "node:tls";
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { MongoClient } from "mongodb";
import type { Logger } from "pino";
import { Health } from "../../../gen/grpc/health/v1/health_pb.ts";
import { ServerReflection as ServerReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.ts";
import { ServerReflection as ServerReflectionV1alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.ts";
import { AuditService } from "../../../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../../../gen/tessera/identity/v1/environment_pb.ts";
import { OrganizationService } from "../../../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../../../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../../gen/tessera/identity/v1/verify_pb.ts";
import { FederationService } from "../../../gen/tessera/identity/v1/federation_pb.ts";
import { LeakService } from "../../../gen/tessera/identity/v1/leak_pb.ts";
import { WebhookService } from "../../../gen/tessera/identity/v1/webhook_pb.ts";
import { HygieneService } from "../../../gen/tessera/identity/v1/hygiene_pb.ts";
import { Authenticator } from "../auth/authenticator.ts";
import { FailureLimiter, type FailureLimiterOptions } from "../auth/failure-limiter.ts";
import { auditHandlers } from "./handlers/audit.ts";
import { environmentHandlers } from "./handlers/environments.ts";
import { organizationHandlers } from "./handlers/organizations.ts";
import { roleHandlers } from "./handlers/roles.ts";
import { serviceAccountHandlers } from "./handlers/service-accounts.ts";
import { tokenHandlers } from "./handlers/tokens.ts";
import { verifyHandlers } from "./handlers/verify.ts";
import { federationHandlers } from "./handlers/federation.ts";
import { hygieneHandlers } from "./handlers/hygiene.ts";
import { revokeUnusedTokens, type HygieneDeps } from "../use-cases/hygiene.ts";
import { leakHandlers } from "./handlers/leaks.ts";
import { webhookHandlers } from "./handlers/webhooks.ts";
import { startWebhooks, type WebhookOptions } from "../webhooks/webhooks.ts";
import type { WebhookDeps } from "../use-cases/webhooks.ts";
import { githubAlertPath, githubSecretScanning, type GithubScanningOptions } from "./github-secret-scanning.ts";
import type { LeakDeps } from "../use-cases/leaks.ts";
import { OidcVerifier, type OidcVerifierOptions } from "../auth/oidc-verifier.ts";
import type { FederationDeps } from "../use-cases/federation.ts";
import { openStore, type Store } from "../store/store.ts";
import { listenOn } from "../../../common/listen.ts";
import { Invalidations, type InvalidationOptions } from "../auth/invalidations.ts";
import { UsageRecorder } from "../auth/usage-recorder.ts";
import { VerifyCache, type VerifyCacheOptions } from "../auth/verify-cache.ts";
import { CallValues, peerKey } from "./context.ts";
import { consoleRoutes, type ConsoleOptions } from "./console/console-routes.ts";
import { InvalidationFeed } from "./console/invalidation-feed.ts";
import { consoleCallKey } from "./console/sessions.ts";
import { auditInterceptor } from "./interceptors/audit.ts";
import { authInterceptor } from "./interceptors/authentication.ts";
import { errorMappingInterceptor } from "./interceptors/error-mapping.ts";
import { requestContextInterceptor } from "./interceptors/request-context.ts";
import { rpcHandler, serveStreams, type Handler } from "./rpc-handler.ts";
import { DatabaseHealth, healthHandlers, type WatchLimits } from "./health.ts";
import { Metrics } from "./metrics.ts";
import { Reflector, reflectionV1Handlers, reflectionV1alphaHandlers } from "./reflection.ts";

export interface IdentityOptions {
  mongo: MongoClient;
  dbName: string;
  /** Watching `mongo`'s pool since before it connected (see Metrics.watchPool). */
  metrics: Metrics;
  log: Logger;
  tokenPrefix: string;
  /** The audience API callers' tokens must name, when they name any. */
  apiAudience: string;
  usageFlushMs: number;
  maxMessageBytes: number;
  cache: VerifyCacheOptions;
  invalidation: InvalidationOptions;
  authFailures: FailureLimiterOptions;
  /** Verifying external OIDC tokens for trust policies (keyless CI). */
  oidc: OidcVerifierOptions;
  /** Leak reports: how many one client may send a minute, and GitHub's secret scanning alerts. */
  leaks: { reportsPerMinute: number; github: GithubScanningOptions };
  /** Lifecycle webhooks: signing key, allowed endpoints, scan, delivery and retry timing. */
  webhooks: WebhookOptions;
  /** Addresses of proxies whose X-Forwarded-For names the client. */
  trustedProxies: readonly string[];
  watchStreams: WatchLimits;
  /** How often effects left behind on documents (a crash between a write and its relay) are relayed. */
  outboxSweepMs?: number;
  /** How often tokens that organisations' policies say went unused too long are revoked. */
  hygieneSweepMs: number;
  /** The web console under /console/; absent, the port serves the API only. */
  console?: ConsoleOptions;
}

export interface IdentityService {
  store: Store;
  authenticator: Authenticator;
  metrics: Metrics;
  health: DatabaseHealth;
  cache: VerifyCache;
  invalidations: Invalidations;
  /** Serves the identity API, gRPC health and reflection, and the console when configured. */
  handler: Handler;
  /** Flushes pending usage records. */
  close(): Promise<void>;
}

/** What the identity API's handlers are built over. */
interface RouteDeps {
  deps: FederationDeps;
  leaks: LeakDeps;
  hygiene: HygieneDeps;
  authenticator: Authenticator;
  webhooks: WebhookDeps;
}

/** The identity API, registered with typed implementations (identityServices below lists the same services). */
function identityRoutes({ deps, leaks, hygiene, authenticator, webhooks }: RouteDeps) {
  return (router: ConnectRouter) =>
    router
      .service(ServiceAccountService, serviceAccountHandlers(deps))
      .service(TokenService, tokenHandlers(deps))
      .service(VerifyService, verifyHandlers(authenticator))
      .service(RoleService, roleHandlers(deps))
      .service(EnvironmentService, environmentHandlers(deps))
      .service(AuditService, auditHandlers(deps))
      .service(OrganizationService, organizationHandlers(deps))
      .service(FederationService, federationHandlers(deps))
      .service(LeakService, leakHandlers(leaks))
      .service(HygieneService, hygieneHandlers(hygiene))
      .service(WebhookService, webhookHandlers(webhooks));
}

export const identityServices: readonly DescService[] = [
  ServiceAccountService,
  TokenService,
  VerifyService,
  RoleService,
  EnvironmentService,
  AuditService,
  OrganizationService,
  FederationService,
  LeakService,
  HygieneService,
  WebhookService,
];

function publicRoutes(health: DatabaseHealth, watchLimits: WatchLimits) {
  const reflector = new Reflector([...identityServices, Health, ServerReflectionV1, ServerReflectionV1alpha]);
  return (router: ConnectRouter) => {
    router.service(Health, healthHandlers(health, identityServices.map((s) => s.typeName), watchLimits));
    router.service(ServerReflectionV1, reflectionV1Handlers(reflector));
    router.service(ServerReflectionV1alpha, reflectionV1alphaHandlers(reflector));
  };
}

/** Runs `task` now, then every `everyMs`, never two runs at once. */
function repeat(task: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void): NodeJS.Timeout {
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => (running = false));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return timer;
}

export async function build(options: IdentityOptions): Promise<IdentityService> {
  const db = options.mongo.db(options.dbName);
  const store = await openStore(db);
  const usage = new UsageRecorder(store, options.usageFlushMs, (err) => options.log.warn({ err }, "recording token use failed"));
  const cache = new VerifyCache(options.cache);
  const web = options.console && consoleRoutes(options.console, (event) => store.audit.append(event));
  // Console sessions end when their token or account changes, on this instance or another.
  const log = web ? new InvalidationFeed(db, (events) => web.invalidated(events)) : store.invalidations;
  const invalidations = new Invalidations(log, cache, options.invalidation, (err) =>
    options.log.warn({ err }, "reading the invalidation log failed; the verify cache is bypassed until it works"),
  );
  // This instance's own changes reach its cache (and console sessions) at once; other instances' through the poll.
  store.outbox.onInvalidations = (events) => {
    invalidations.applyOwn(events);
    web?.invalidated(events);
  };
  // Before the first relay, so that effects a crash left behind become webhook events too.
  const webhooks = startWebhooks(store, options.webhooks, (err, what) => options.log.warn({ err }, what));
  await invalidations.poll();
  invalidations.start();
  // Relays what a crash left in any outbox.
  const relay = repeat(() => store.outbox.sweep(), options.outboxSweepMs ?? 1000, (err) =>
    options.log.warn({ err }, "relaying committed effects failed; retrying"),
  );
  const hygiene = repeat(() => revokeUnusedTokens(store, new Date()), options.hygieneSweepMs, (err) =>
    options.log.warn({ err }, "revoking unused tokens failed; retrying"),
  );
  const authenticator = new Authenticator(store, options.tokenPrefix, usage, cache, invalidations);
  const { metrics } = options;
  metrics.watchCache(cache);
  const health = new DatabaseHealth(db);
  // Refused exchanges count against a client like its failed authentications.
  const failures = new FailureLimiter(options.authFailures);
  const deps: FederationDeps = {
    store,
    roles: authenticator,
    tokenPrefix: options.tokenPrefix,
    trustPolicies: store.trustPolicies,
    oidc: new OidcVerifier({ ...options.oidc, onFetchError: (issuer, detail) => options.log.warn({ issuer, detail }, "fetching an OIDC issuer's keys failed") }),
    failures,
  };
  const leaks: LeakDeps = { tokens: store.tokens, tokenPrefix: options.tokenPrefix };
  const openReports = { ...leaks, reports: new FailureLimiter({ limit: options.leaks.reportsPerMinute, windowMs: 60_000, maxKeys: 100_000 }) };
  const trusted = new Set(options.trustedProxies);
  const peer = (req: Parameters<Handler>[0]) => clientAddress(req.socket.remoteAddress ?? "", req.headers["x-forwarded-for"], trusted);
  const contextValues = (req: Parameters<Handler>[0]) => {
    const values = new CallValues().set(peerKey, peer(req));
    const call = web?.callOf(req);
    return call ? values.set(consoleCallKey, call) : values;
  };
  // Outermost first: metrics see every answer, audit and metrics see mapped errors, auth is innermost.
  const interceptors = [
    metrics.interceptor(),
    requestContextInterceptor(options.log),
    errorMappingInterceptor(options.log),
    auditInterceptor(store),
    authInterceptor(authenticator, options.apiAudience, failures),
  ];
  const identity = rpcHandler({ routes: identityRoutes({ deps, leaks: openReports, hygiene: { ...deps, accountsOf: store.accounts, tokensOf: store.tokens }, authenticator, webhooks: webhooks.deps }), interceptors, readMaxBytes: options.maxMessageBytes, contextValues });
  // Health and reflection: no token, no identity interceptors, small messages.
  const open = connectNodeAdapter({ routes: publicRoutes(health, options.watchStreams), readMaxBytes: 64 * 1024, contextValues });
  const githubAlerts = githubSecretScanning(options.leaks.github, leaks, peer, (err) => options.log.warn({ err }, "a GitHub secret scanning alert could not be processed"));
  const handler: Handler = (req, res) => {
    if (req.url?.startsWith("/grpc.")) open(req, res);
    else if (req.url === githubAlertPath) void githubAlerts(req, res);
    else if (!web?.handle(req, res, identity)) identity(req, res);
  };
  // The identity API's unary calls, straight from the HTTP/2 stream (its paths are none of the above).
  handler.stream = identity.stream;
  return {
    store,
    authenticator,
    metrics,
    health,
    cache,
    invalidations,
    handler,
    close: async () => {
      clearInterval(relay);
      await webhooks.stop();
      clearInterval(hygiene);
      invalidations.stop();
      await usage.close();
    },
  };
}

/**
 * The client's address: the socket's, or, behind trusted proxies, the nearest address in
 * X-Forwarded-For that is not one of them (entries further left are the client's own claims).
 */
export function clientAddress(socket: string, forwardedFor: string | string[] | undefined, trusted: ReadonlySet<string>): string {
  if (!trusted.has(socket) || forwardedFor === undefined) return socket;
  const hops = [forwardedFor].flat().join(",").split(",").map((h) => h.trim()).filter(Boolean);
  let client = socket;
  while (hops.length > 0 && trusted.has(client)) client = hops.pop()!;
  return client;
}

export interface ListenOptions {
  /** How long close() lets in-flight calls finish before cutting them. */
  drainMs?: number;
  /** HTTP/2 streams one connection may have open at once. */
  maxStreamsPerConnection?: number;
  /** Connections open at once; further ones are refused. */
  maxConnections?: number;
  /** Memory one HTTP/2 session may buffer, in MB (beyond it, its new streams are refused). */
  maxSessionMemoryMb?: number;
  /** How long a cleartext connection may take to show its protocol, and then an HTTP/1.1 request its headers (slowloris). */
  headersTimeoutMs?: number;
  /** An HTTP/2 connection with no stream open and no frame for this long is closed (GOAWAY). */
  idleTimeoutMs?: number;
  /** PEM certificate chain and private key: TLS with HTTP/2 or HTTP/1.1 by ALPN. Absent: cleartext, HTTP/2 with prior knowledge or HTTP/1.1. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// The connection preface of cleartext HTTP/2 with prior knowledge starts "PRI"; no HTTP/1.1 method does.
const http2Preface = Buffer.from("PRI");

/**
 * Node's cleartext HTTP/2 server speaks nothing else, so a plain listener reads the first bytes of
 * each connection and hands it to `h2` when they are the HTTP/2 preface, else to `h1` (after
 * `onHttp1`). The bytes read are put back for the chosen server. A connection gets `sniffMs` in all
 * to send them (a deadline, not an idle timer a byte at a time would restart).
 */
function cleartextServer(h2: http2.Http2Server, h1: http.Server, onHttp1: (socket: net.Socket) => void, sniffMs: number): net.Server {
  return net.createServer((socket) => {
    // A connection reset before the server is chosen must not go unhandled.
    socket.on("error", () => socket.destroy());
    const deadline = setTimeout(() => socket.destroy(), sniffMs);
    socket.once("close", () => clearTimeout(deadline));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < http2Preface.length && http2Preface.subarray(0, head.length).equals(head)) return;
      socket.off("data", onData);
      socket.pause();
      clearTimeout(deadline);
      socket.unshift(head);
      if (head.subarray(0, http2Preface.length).equals(http2Preface)) {
        // The HTTP/2 session reads what was put back, then the socket itself.
        h2.emit("connection", socket);
      } else {
        onHttp1(socket);
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });
}

/** Serves `handler`; close() stops accepting, lets in-flight calls finish for up to `drainMs`, then cuts the rest. */
export async function listen(
  handler: IdentityService["handler"],
  host: string,
  port: number,
  {
    drainMs = 5000,
    maxStreamsPerConnection = 100,
    maxConnections = 10_000,
    maxSessionMemoryMb = 10,
    headersTimeoutMs = 20_000,
    idleTimeoutMs = 300_000,
    tls,
  }: ListenOptions = {},
): Promise<RunningServer> {
  let closing = false;
  // HTTP/1.1 connections: ended when idle at close, or as soon as their current response is done.
  const http1Sockets = new Set<net.Socket>();
  const busy = new Map<net.Socket, number>();
  const adopt = (socket: net.Socket) => {
    http1Sockets.add(socket);
    socket.once("close", () => http1Sockets.delete(socket));
  };
  const serve: Handler = (req, res) => {
    if (!("stream" in req)) {
      const socket = req.socket;
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      res.once("close", () => {
        const left = busy.get(socket)! - 1;
        if (left > 0) busy.set(socket, left);
        else busy.delete(socket);
        if (closing && left === 0) socket.end();
      });
    }
    handler(req, res);
  };
  // Bounded: connections, streams per connection, and the memory a session may buffer.
  const http2Options = { settings: { maxConcurrentStreams: maxStreamsPerConnection }, maxSessionMemory: maxSessionMemoryMb };
  const h2 = tls
    ? http2.createSecureServer({ ...http2Options, cert: tls.cert, key: tls.key, allowHTTP1: true }, serve)
    : http2.createServer(http2Options, serve);
  if (handler.stream) serveStreams(h2, handler.stream);
  let server: net.Server = h2;
  let h1: http.Server | undefined;
  if (tls) {
    h2.on("secureConnection", (socket: TLSSocket) => {
      if (socket.alpnProtocol !== "h2") adopt(socket);
    });
  } else {
    // Checked every second at most, so that the header deadline holds to about a second.
    const timeouts = { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.min(headersTimeoutMs, 1000) };
    h1 = http.createServer(timeouts, serve as http.RequestListener);
    // Connections are handed to it, it never listens: its header and request deadlines are checked
    // by a timer it starts on "listening" (without it, a client trickling headers held its connection).
    h1.emit("listening");
    server = cleartextServer(h2, h1, adopt, headersTimeoutMs);
  }
  server.maxConnections = maxConnections;
  // A response can be complete while the client is still sending: a request refused before it was
  // read (too large), a stream the server ended first. Nothing reads the rest, so the client would
  // wait on flow control for good (and hold the connection's window). Once the response's last frame
  // is queued (the compat layer always ends with trailers), the stream is reset with NO_ERROR, as
  // RFC 9113 §8.1 allows and Go's server does (resetUnread). Calls whose request was read to the end
  // pay one check. Streams open per session are counted: an idle session is closed, one holding a
  // quiet Watch stream is not. Both events come once per stream: `on` spares `once`'s wrapper.
  const sessions = new Set<http2.ServerHttp2Session>();
  const streams = new Map<http2.Http2Session, number>();
  h2.on("stream", (stream) => {
    stream.on("wantTrailers", resetUnread);
    const session = stream.session!;
    streams.set(session, (streams.get(session) ?? 0) + 1);
    stream.on("close", () => {
      const left = streams.get(session)! - 1;
      if (left > 0) streams.set(session, left);
      else streams.delete(session);
    });
  });
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.setTimeout(idleTimeoutMs, () => {
      if (!streams.has(session)) session.close();
    });
  });
  const { url, port: boundPort } = await listenOn(server, host, port, tls ? "https" : "http");
  return {
    url,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        h1?.close();
        for (const session of sessions) session.close();
        for (const socket of http1Sockets) if (!busy.has(socket)) socket.end();
        setTimeout(() => {
          for (const session of sessions) session.destroy();
          for (const socket of http1Sockets) socket.destroy();
        }, drainMs).unref();
      }),
  };
}

/** A stream's last frame is queued: a request still being sent is reset (see `listen`). */
function resetUnread(this: http2.ServerHttp2Stream): void {
  if (this.readableEnded) return;
  setImmediate(() => {
    if (!this.closed && !this.state.remoteClose) this.close(http2.constants.NGHTTP2_NO_ERROR);
  });
}
