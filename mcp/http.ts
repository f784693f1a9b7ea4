// Streamable HTTP at /mcp, stateless: every POST is authenticated by its bearer token, presented to
// the identity service as the subject of a delegation (so failures are throttled and audited there
// like direct ones), and served by a server acting for that caller that offers only the tools the
// caller's token can use. Browser requests must come from an allowed origin (DNS-rebinding
// defence). Beside it, without a token: /healthz (the process answers), /readyz (the identity
// service answers its health check) and /metrics (Prometheus).
//
// Whose fault a refusal is decides the answer: the caller's token refused → 401 (403 for a token
// not meant for MCP); the MCP server's own credential refused → 503 and an error in the log, never
// a message blaming the caller.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { createHash } from "node:crypto";
import { errorDetail } from "../client/errors.ts";
import { subjectTokenHeader } from "../client/headers.ts";
import { verifyReasons } from "../client/reasons.ts";
import { listenOn } from "../common/listen.ts";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.ts";
import { ConfirmationCodes } from "./confirmation.ts";
import { identityClients, type IdentityClients } from "./identity-clients.ts";
import { McpMetrics } from "./metrics.ts";
import { callerOf, type Caller } from "./permissions.ts";
import { createMcpServer } from "./server.ts";

export interface McpHttpOptions {
  identity: Transport;
  /** The MCP server's own credential: it needs tokens.verify and identity.delegate. */
  credential: string;
  /** Origins (scheme://host:port) allowed besides loopback ones. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  log: Logger;
  /** How long a verified caller is remembered (ms); every tool call is still checked by the identity service. */
  callerCacheMs?: number;
  /** Where /metrics reads from; by default a registry of this server's own. */
  metrics?: McpMetrics;
  /** Deadline of the identity health check behind /readyz (ms, default 2000). */
  healthTimeoutMs?: number;
}

const loopbackOrigin = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

function reject(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/** 401 with the RFC 6750 challenge; the description is a short reason, never the token. */
function unauthorized(res: ServerResponse, reason: string): void {
  reject(res, 401, `unauthorized: ${reason}`, {
    "www-authenticate": `Bearer realm="tessera", error="invalid_token", error_description="${reason}"`,
  });
}

/** Whether the identity service says it is serving; one check at a time, remembered for a second. */
function identityHealth(transport: Transport, timeoutMs: number) {
  const health = createClient(Health, transport);
  let last: { serving: boolean; at: number } | undefined;
  let pending: Promise<boolean> | undefined;
  const check = () =>
    health
      .check({}, { timeoutMs })
      .then((r) => r.status === HealthCheckResponse_ServingStatus.SERVING)
      .catch(() => false)
      .then((serving) => {
        last = { serving, at: Date.now() };
        return serving;
      });
  return (): Promise<boolean> => {
    if (last && Date.now() - last.at < 1000) return Promise.resolve(last.serving);
    pending ??= check().finally(() => (pending = undefined));
    return pending;
  };
}

const knownPaths = new Set(["/mcp", "/healthz", "/readyz", "/metrics"]);

type Refusal = { status: 401 | 403 | 429 | 503; reason: string };

/** Maps a refused authentication to whose fault it is. */
function refusal(error: ConnectError): Refusal {
  const detail = errorDetail(error);
  const aboutCaller = detail?.field === subjectTokenHeader;
  if (error.code === Code.ResourceExhausted && aboutCaller) return { status: 429, reason: "too many failed authentications; retry later" };
  if (error.code === Code.Unauthenticated && aboutCaller) {
    if (detail.reason === verifyReasons.audienceMismatch) return { status: 403, reason: "the token is not valid for MCP" };
    return { status: 401, reason: detail.reason };
  }
  return { status: 503, reason: "the identity service is unavailable" };
}

export function mcpRequestHandler(options: McpHttpOptions) {
  // Verified callers by token fingerprint, with their WhoAmI answer, for a short while: the identity
  // service re-checks every tool call, so a stale entry can only offer a tool that then fails.
  const verified = new LRUCache<string, Caller>({ max: 10_000, ttl: Math.max(1, options.callerCacheMs ?? 2000) });
  const metrics = options.metrics ?? new McpMetrics();
  // One key per process: a code one request issues is good for the next request of the same caller.
  const confirmations = new ConfirmationCodes();
  const serving = identityHealth(options.identity, options.healthTimeoutMs ?? 2000);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    res.on("finish", () => metrics.response(knownPaths.has(path) ? path : "other", res.statusCode));
    const origin = req.headers.origin;
    if (origin !== undefined && !loopbackOrigin.test(origin) && !options.allowedOrigins.includes(origin)) {
      return reject(res, 403, "forbidden: origin not allowed");
    }
    if (path === "/healthz" || path === "/readyz" || path === "/metrics") {
      if (req.method !== "GET" && req.method !== "HEAD") return reject(res, 405, "method not allowed: use GET", { allow: "GET, HEAD" });
      if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      if (path === "/readyz") {
        const up = await serving();
        return void res.writeHead(up ? 200 : 503, { "content-type": "text/plain" }).end(up ? "ready\n" : "the identity service is not serving\n");
      }
      const text = await metrics.registry.metrics();
      return void res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
    }
    if (path !== "/mcp") return reject(res, 404, "not found: the MCP endpoint is /mcp");
    if (req.method !== "POST") return reject(res, 405, "method not allowed: this stateless server takes POST only", { allow: "POST" });

    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    if (!match) return unauthorized(res, "missing bearer token");
    const subject = { token: match[1]!, clientAddress: req.socket.remoteAddress ?? "" };
    const identity: IdentityClients = identityClients(options.identity, options.credential, subject);
    const key = createHash("sha256").update(subject.token).digest("base64url");
    let caller = verified.get(key);
    if (!caller) {
      try {
        const { identity: me } = await identity.verify.whoAmI({});
        caller = callerOf(me!);
        verified.set(key, caller);
      } catch (error) {
        const err = ConnectError.from(error);
        const { status, reason } = refusal(err);
        if (status === 401) return unauthorized(res, reason);
        if (status !== 503) return reject(res, status, `${status === 403 ? "forbidden" : "too many requests"}: ${reason}`);
        options.log.error(
          { code: Code[err.code], reason: errorDetail(err)?.reason, message: err.rawMessage },
          "the identity service refused the MCP server's own credential or is unreachable; MCP callers get 503",
        );
        return reject(res, 503, reason);
      }
    }

    const server = createMcpServer({
      identity,
      caller,
      confirmations,
      metrics,
      onUnexpected: (tool, err) => options.log.error({ err, tool }, "an MCP tool failed unexpectedly"),
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: options.maxBodyBytes,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };
}

export interface RunningMcpServer {
  /** The MCP endpoint, ".../mcp"; /healthz, /readyz and /metrics are beside it. */
  url: string;
  close(): Promise<void>;
}

export async function listenMcp(options: McpHttpOptions, host: string, port: number): Promise<RunningMcpServer> {
  const handle = mcpRequestHandler(options);
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error({ err: error }, "MCP request failed");
      if (!res.headersSent) reject(res, 500, "internal error");
      else res.end();
    });
  });
  const { url } = await listenOn(server, host, port);
  return {
    url: `${url}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
