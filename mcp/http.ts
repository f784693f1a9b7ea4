// Streamable HTTP at /mcp, stateless: every POST is authenticated by its bearer token (checked with
// the identity service's Verify, audience "mcp") and served by a fresh server acting for that
// caller. Browser requests must come from an allowed origin (DNS-rebinding defence).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { listenOn } from "../services/shared/listen.ts";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Logger } from "pino";
import { ErrorDetailSchema } from "../gen/tessera/identity/v1/common_pb.ts";
import { identityClients } from "./identity-clients.ts";
import { createMcpServer } from "./server.ts";

export interface McpHttpOptions {
  identity: Transport;
  /** The MCP server's own credential: it needs tokens.verify and identity.delegate. */
  credential: string;
  /** Origins (scheme://host:port) allowed besides loopback ones. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  log: Logger;
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

export function mcpRequestHandler(options: McpHttpOptions) {
  const asServer = identityClients(options.identity, options.credential);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/mcp") return reject(res, 404, "not found: the MCP endpoint is /mcp");
    const origin = req.headers.origin;
    if (origin !== undefined && !loopbackOrigin.test(origin) && !options.allowedOrigins.includes(origin)) {
      return reject(res, 403, "forbidden: origin not allowed");
    }
    if (req.method !== "POST") return reject(res, 405, "method not allowed: this stateless server takes POST only", { allow: "POST" });

    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    if (!match) return unauthorized(res, "missing bearer token");
    let tokenId: string;
    try {
      const { identity } = await asServer.verify.verify({ token: match[1]!, audience: "mcp" });
      tokenId = identity!.tokenId;
    } catch (error) {
      const err = ConnectError.from(error);
      const reason = err.findDetails(ErrorDetailSchema)[0]?.reason ?? "invalid";
      if (err.code === Code.Unauthenticated && reason === "audience_mismatch") {
        return reject(res, 403, "forbidden: the token is not valid for MCP");
      }
      if (err.code === Code.Unauthenticated) return unauthorized(res, reason);
      options.log.error({ code: err.code, message: err.rawMessage }, "verifying an MCP caller failed");
      return reject(res, 503, "the identity service is unavailable");
    }

    const server = createMcpServer({ identity: identityClients(options.identity, options.credential, tokenId) });
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
