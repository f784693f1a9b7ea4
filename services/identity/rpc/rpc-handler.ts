// The one RPC pipeline: services are registered once, on connect's own router, with typed
// implementations; unary calls are served by the fast path built from those same registrations,
// everything else (streaming, other compressions) by connect-node. Both run the same interceptors.
import type { ServerResponse } from "node:http";
import type { Http2SecureServer, Http2Server, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { DescMethod, DescMethodUnary, Registry } from "@bufbuild/protobuf";
import type { ConnectRouter, ContextValues, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { RequestOrigin } from "./exchange.ts";
import { unaryFastPath, type FastMethod } from "./unary-fast-path.ts";

/** A stream listener that answers true when it took the stream. */
export type StreamTaker = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

export type Handler = ReturnType<typeof connectNodeAdapter> & {
  /** The calls it serves straight from the HTTP/2 stream, when served with `serveStreams`. */
  stream?: StreamTaker;
};

export interface RpcHandlerOptions {
  /** Registers the services, e.g. `(router) => router.service(TokenService, tokenHandlers(deps))`. */
  routes(router: ConnectRouter): void;
  /** Outermost first; shared by both paths. */
  interceptors: Interceptor[];
  readMaxBytes: number;
  /** Values every call starts with (e.g. the client's address). */
  contextValues(req: RequestOrigin | Parameters<Handler>[0]): ContextValues;
  /** Message types that google.protobuf.Any fields may carry in JSON (the identity API has none). */
  jsonRegistry?: Registry;
}

/** Serves the routes: the fast path takes the unary calls it understands, connect-node the rest. */
export function rpcHandler(options: RpcHandlerOptions): Handler {
  const methods: FastMethod[] = [];
  const adapter = connectNodeAdapter({
    // connect-node registers the routes while it is created, so `methods` is complete below.
    routes: (router) => options.routes(recording(router, methods)),
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    // Unknown fields and enum names are refused, never silently dropped.
    jsonOptions: { ignoreUnknownFields: false, registry: options.jsonRegistry },
    contextValues: options.contextValues,
  });
  const fast = unaryFastPath({
    methods,
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    contextValues: options.contextValues,
    jsonRegistry: options.jsonRegistry,
  });
  const handler: Handler = (req, res) => {
    if ("stream" in req ? fast.request(req, res as Http2ServerResponse) : fast.http1(req, res as ServerResponse)) return;
    adapter(req, res);
  };
  handler.stream = fast.stream;
  return handler;
}

/**
 * Offers every HTTP/2 stream of `server` to `take` before Node's compatibility layer sees it, so
 * the calls it takes are served without building a request and a response object each. Node
 * serves the request handler from a 'stream' listener of its own, added with the handler: call
 * this right after creating the server, before other 'stream' listeners.
 */
export function serveStreams(server: Http2Server | Http2SecureServer, take: StreamTaker): void {
  const compat = server.listeners("stream") as ((...args: unknown[]) => void)[];
  server.removeAllListeners("stream");
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
    if (take(stream, headers)) return;
    for (const listener of compat) listener.call(server, stream, headers, ...rest);
  });
}

/** A router that also records each unary implementation for the fast path. */
function recording(router: ConnectRouter, methods: FastMethod[]): ConnectRouter {
  const recorder: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, options) {
      for (const method of service.methods) {
        const handler = (implementation as Record<string, unknown>)[method.localName];
        if (isUnary(method) && typeof handler === "function") {
          methods.push({ method, handler: handler.bind(implementation) as FastMethod["handler"] });
        }
      }
      router.service(service, implementation, options);
      return recorder;
    },
    rpc(method, implementation, options) {
      if (isUnary(method)) methods.push({ method, handler: implementation as unknown as FastMethod["handler"] });
      router.rpc(method, implementation, options);
      return recorder;
    },
  };
  return recorder;
}

function isUnary(method: DescMethod): method is DescMethodUnary {
  return method.methodKind === "unary";
}
