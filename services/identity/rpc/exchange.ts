// One HTTP/2 request and its answer, as the unary fast path uses them: over Node's compatibility
// objects (a request handler), or over the raw stream (the server's 'stream' event), which spares
// building those objects for every call.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";

/** Who sent a request: what a call's initial context values are made from. */
export interface RequestOrigin {
  socket: { remoteAddress?: string };
  headers: IncomingHttpHeaders;
}

export interface Exchange {
  method: string;
  /** Path and query. */
  url: string;
  authority: string;
  headers: IncomingHttpHeaders;
  origin: RequestOrigin;
  /** Calls `listener` when the exchange ends, answered or not. */
  onClose(listener: () => void): void;
  /** Reads the request body. */
  read(onData: (chunk: Buffer) => void, onEnd: () => void): void;
  /** Stops reading the request: what is left is dropped when the stream is reset after the answer (rpc/server.ts). */
  stopReading(): void;
  /** Whether the exchange can no longer be answered. */
  gone(): boolean;
  respond(status: number, headers: OutgoingHttpHeaders, body: Uint8Array, trailers?: OutgoingHttpHeaders): void;
}

export function compatExchange(req: Http2ServerRequest, res: Http2ServerResponse): Exchange {
  return {
    method: req.method,
    url: req.url,
    authority: req.authority,
    headers: req.headers,
    origin: req,
    onClose: (listener) => void res.once("close", listener),
    read(onData, onEnd) {
      req.on("data", onData);
      req.on("end", onEnd);
    },
    stopReading: () => void req.destroy(),
    gone: () => res.stream.destroyed,
    respond(status, headers, body, trailers) {
      res.writeHead(status, headers);
      if (trailers) res.addTrailers(trailers);
      res.end(body);
    },
  };
}

/** HTTP/1.1 (browsers, plain curl): no trailers, so only protocols that carry none are taken. */
export function http1Exchange(req: IncomingMessage, res: ServerResponse): Exchange {
  return {
    method: req.method ?? "",
    url: req.url ?? "",
    authority: req.headers.host ?? "",
    headers: req.headers,
    origin: req,
    onClose: (listener) => void res.once("close", listener),
    read(onData, onEnd) {
      req.on("data", onData);
      req.on("end", onEnd);
    },
    stopReading: () => void req.destroy(),
    gone: () => res.destroyed,
    respond(status, headers, body) {
      res.writeHead(status, headers);
      res.end(body);
    },
  };
}

const ignore = () => {};

export function streamExchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Exchange {
  // A reset or a broken connection surfaces as 'error' and then 'close'; the call ends on 'close'.
  stream.on("error", ignore);
  return {
    method: headers[":method"] ?? "",
    url: headers[":path"] ?? "",
    authority: headers[":authority"] ?? headers.host ?? "",
    headers,
    origin: { socket: stream.session?.socket ?? {}, headers },
    onClose: (listener) => void stream.once("close", listener),
    read(onData, onEnd) {
      stream.on("data", onData);
      stream.on("end", onEnd);
    },
    stopReading() {
      // Keep the stream flowing into nothing: a paused stream holds the client on flow control, so
      // it never reads the answer; the reset after the answer (rpc/server.ts) stops its sending.
      stream.removeAllListeners("data");
      stream.on("data", ignore);
    },
    gone: () => stream.destroyed || stream.closed,
    respond(status, responseHeaders, body, trailers = {}) {
      // Always with trailers, as the compatibility layer answers: the last frame is where an unread
      // request gets its stream reset (rpc/server.ts).
      stream.respond({ ...responseHeaders, ":status": status }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(trailers));
      stream.end(body);
    },
  };
}
