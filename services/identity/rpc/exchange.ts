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
  /** `headers` is the caller's to give away: it may be changed. */
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
  return new StreamExchange(stream, headers);
}

/** A class rather than an object of closures: every unary HTTP/2 call makes one. */
class StreamExchange implements Exchange {
  readonly method: string;
  readonly url: string;
  readonly authority: string;
  readonly origin: RequestOrigin;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
  ) {
    // A reset or a broken connection surfaces as 'error' and then 'close'; the call ends on 'close'.
    stream.on("error", ignore);
    this.method = headers[":method"] ?? "";
    this.url = headers[":path"] ?? "";
    this.authority = headers[":authority"] ?? headers.host ?? "";
    this.origin = { socket: stream.session?.socket ?? {}, headers };
  }

  onClose(listener: () => void): void {
    // 'close' and 'wantTrailers' come once per stream: `on` spares the wrapper `once` makes.
    this.stream.on("close", listener);
  }

  read(onData: (chunk: Buffer) => void, onEnd: () => void): void {
    this.stream.on("data", onData);
    this.stream.on("end", onEnd);
  }

  stopReading(): void {
    // Keep the stream flowing into nothing: a paused stream holds the client on flow control, so
    // it never reads the answer; the reset after the answer (rpc/server.ts) stops its sending.
    this.stream.removeAllListeners("data");
    this.stream.on("data", ignore);
  }

  gone(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  respond(status: number, responseHeaders: OutgoingHttpHeaders, body: Uint8Array, trailers: OutgoingHttpHeaders = {}): void {
    // Always with trailers, as the compatibility layer answers: the last frame is where an unread
    // request gets its stream reset (rpc/server.ts).
    const { stream } = this;
    responseHeaders[":status"] = status;
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end(body);
  }
}
