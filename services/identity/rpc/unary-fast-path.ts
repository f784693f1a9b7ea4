// A direct route for every unary identity call: native gRPC, gRPC-Web and the Connect protocol
// (POST and GET), binary or JSON, uncompressed or gzip. connect-node spends most of a small call
// on its protocol machinery (async-iterable pipelines per call), and it reports a request body it
// cannot parse as INTERNAL on the paths it serves. Here the HTTP/2 stream is read and written
// directly, while everything that decides the answer is shared with connect-node: the same
// interceptors (metrics, request context, audit, error mapping, authentication), the same handlers,
// connect's own handler context (deadline, cancellation), trailer and error encoders. Streaming
// calls and other compressions are left to connect-node.
import { gunzip } from "node:zlib";
import type { Http2ServerRequest, Http2ServerResponse, OutgoingHttpHeaders } from "node:http2";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import {
  create,
  fromBinary,
  fromJsonString,
  toBinary,
  toJsonString,
  type DescMessage,
  type DescMethodUnary,
  type JsonReadOptions,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  createHandlerContext,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout as parseConnectTimeout, trailerMux } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

/** A unary method and its implementation (as registered with connect-node). */
export interface FastMethod {
  method: DescMethodUnary;
  handler(request: never, ctx: HandlerContext): unknown;
}

export interface FastPathOptions {
  methods: FastMethod[];
  interceptors: Interceptor[];
  readMaxBytes: number;
  contextValues(req: Http2ServerRequest): ContextValues;
  /** Message types that google.protobuf.Any fields may carry in JSON. */
  jsonRegistry?: Registry;
}

/** How a call is framed on the wire, and in which encoding its messages are. */
interface Protocol {
  wire: "grpc" | "grpc-web" | "connect";
  json: boolean;
}

const maxTimeoutMs = 2 ** 31 - 1;
// Ends a finished call's context (clearing its deadline timer) without constructing a DOMException each time.
const finishedReason = new ConnectError("the call finished", Code.Canceled);
const handlerContextKey = createContextKey<HandlerContext | undefined>(undefined, { description: "fast path handler context" });

const contentTypes: Record<string, Protocol> = {
  "application/grpc": { wire: "grpc", json: false },
  "application/grpc+proto": { wire: "grpc", json: false },
  "application/grpc+json": { wire: "grpc", json: true },
  "application/grpc-web": { wire: "grpc-web", json: false },
  "application/grpc-web+proto": { wire: "grpc-web", json: false },
  "application/grpc-web+json": { wire: "grpc-web", json: true },
  "application/proto": { wire: "connect", json: false },
  "application/json": { wire: "connect", json: true },
};

/** Compression of the request: none, gzip, or one this path leaves to connect-node (undefined). */
function compressionOf(value: string | undefined | null): "identity" | "gzip" | undefined {
  if (value === undefined || value === null || value === "" || value === "identity") return "identity";
  return value === "gzip" ? "gzip" : undefined;
}

/** Returns a request listener that answers true when it took the request. */
export function unaryFastPath(options: FastPathOptions): (req: Http2ServerRequest, res: Http2ServerResponse) => boolean {
  // Unknown fields and enum names are refused, never silently dropped (a dropped filter lists everything).
  const jsonRead = { ignoreUnknownFields: false, registry: options.jsonRegistry };
  const jsonWrite = { registry: options.jsonRegistry };
  const routes = new Map(
    options.methods.map((m) => {
      const call = options.interceptors.reduceRight(
        (next, interceptor) => interceptor(next),
        (async (req: UnaryRequest) => {
          const ctx = req.contextValues.get(handlerContextKey)!;
          const output = await m.handler(req.message as never, ctx);
          return {
            stream: false,
            service: req.service,
            method: req.method,
            header: ctx.responseHeader,
            trailer: ctx.responseTrailer,
            message: create(m.method.output, output as never),
          } as UnaryResponse;
        }) as Parameters<Interceptor>[0],
      );
      const readOnly = m.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      return [`/${m.method.parent.typeName}/${m.method.name}`, { method: m.method, call, readOnly }];
    }),
  );

  return (req, res) => {
    const queryAt = req.url.indexOf("?");
    const route = routes.get(queryAt < 0 ? req.url : req.url.slice(0, queryAt));
    if (!route) return false;
    const get = req.method === "GET" ? new URLSearchParams(queryAt < 0 ? "" : req.url.slice(queryAt + 1)) : undefined;
    let protocol: Protocol | undefined;
    let compression: "identity" | "gzip" | undefined;
    if (get) {
      // Connect GET: only for calls without side effects, the message in the query.
      if (!route.readOnly || get.get("connect") !== "v1") return false;
      const encoding = get.get("encoding");
      protocol = encoding === "json" ? { wire: "connect", json: true } : encoding === "proto" ? { wire: "connect", json: false } : undefined;
      compression = compressionOf(get.get("compression"));
    } else if (req.method === "POST") {
      protocol = contentTypes[req.headers["content-type"]?.split(";")[0]!.trim() ?? ""];
      compression = compressionOf(header(req, protocol?.wire === "connect" ? "content-encoding" : "grpc-encoding"));
    }
    if (!protocol || !compression) return false;
    const { wire, json } = protocol;
    const messageType = json ? "json" : "proto";

    let finished = false;
    let ctx: (HandlerContext & { abort(reason?: unknown): void }) | undefined;
    const respond = (status: number, contentType: string, headers: Headers, body: Uint8Array, trailers?: Headers) => {
      if (finished || res.stream.destroyed) return;
      finished = true;
      ctx?.abort(finishedReason);
      const responseHeaders: OutgoingHttpHeaders = {};
      headers.forEach((value, key) => (responseHeaders[key] = value));
      responseHeaders["content-type"] = contentType;
      res.writeHead(status, responseHeaders);
      if (trailers) res.addTrailers(Object.fromEntries(trailers));
      res.end(body);
    };
    const encode = (message: MessageShape<DescMessage>): Uint8Array =>
      json ? Buffer.from(toJsonString(route.method.output, message, jsonWrite)) : toBinary(route.method.output, message);
    const succeed = (message: MessageShape<DescMessage>, headers: Headers, trailers: Headers) => {
      const body = encode(message);
      if (wire === "grpc") {
        respond(200, `application/grpc+${messageType}`, headers, envelope(0, body), setTrailerStatus(trailers, undefined));
      } else if (wire === "grpc-web") {
        const status = trailerSerialize(setTrailerStatus(trailers, undefined));
        respond(200, `application/grpc-web+${messageType}`, headers, Buffer.concat([envelope(0, body), envelope(trailerFlag, status)]));
      } else {
        respond(200, `application/${messageType}`, trailerMux(headers, trailers), body);
      }
    };
    const fail = (error: unknown) => {
      if (finished) return;
      const err = ConnectError.from(error);
      // As under connect-node, the headers and trailers the call has set go out with its error, and
      // the error's own metadata joins them once (setTrailerStatus merges it; protocol headers never).
      const headers = ctx?.responseHeader ?? new Headers();
      const trailers = ctx?.responseTrailer ?? new Headers();
      if (wire === "grpc") {
        respond(200, `application/grpc+${messageType}`, headers, new Uint8Array(0), setTrailerStatus(trailers, err));
      } else if (wire === "grpc-web") {
        const status = trailerSerialize(setTrailerStatus(trailers, err));
        respond(200, `application/grpc-web+${messageType}`, headers, envelope(trailerFlag, status));
      } else {
        if (!err.isWireError) mergeNonProtocolHeaders(headers, err.metadata);
        respond(codeToHttpStatus(err.code), "application/json", trailerMux(headers, trailers), errorToJsonBytes(err, undefined));
      }
    };

    const timeout =
      wire === "connect"
        ? parseConnectTimeout(header(req, "connect-timeout-ms"), maxTimeoutMs)
        : parseGrpcTimeout(header(req, "grpc-timeout"), maxTimeoutMs);
    if (timeout.error) {
      fail(timeout.error);
      return true;
    }
    // The client going away cancels the call: ctx.signal aborts, as under connect-node.
    const cancel = new AbortController();
    res.once("close", () => {
      if (!finished) cancel.abort(new ConnectError("the client cancelled the call", Code.Canceled));
    });
    const contextValues = options.contextValues(req);
    const context = createHandlerContext({
      service: route.method.parent,
      method: route.method,
      protocolName: wire,
      requestMethod: req.method,
      timeoutMs: timeout.timeoutMs,
      requestSignal: cancel.signal,
      requestHeader: requestHeaders(req),
      url: `http://${req.authority}${req.url}`,
      contextValues,
      responseHeader: new Headers(),
      responseTrailer: new Headers(),
    });
    ctx = context;
    contextValues.set(handlerContextKey, context);
    // A deadline answers DEADLINE_EXCEEDED even when the handler ignores its signal.
    context.signal.addEventListener("abort", () => fail(context.signal.reason), { once: true });

    const start = (body: Buffer) => {
      void decode(body, wire, json, compression, route.method.input, options.readMaxBytes, jsonRead)
        .then((message) => {
          const request: UnaryRequest = {
            stream: false,
            service: route.method.parent,
            method: route.method,
            requestMethod: req.method,
            url: context.url,
            signal: context.signal,
            header: context.requestHeader,
            contextValues,
            message,
          };
          return route.call(request);
        })
        .then((response) => {
          const unary = response as UnaryResponse;
          succeed(unary.message, unary.header, unary.trailer);
        })
        // Parse, handler and encoding failures alike end in one answer: never an unhandled rejection.
        .catch(fail);
    };

    if (get) {
      start(queryMessage(get));
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.readMaxBytes + 5) {
        fail(new ConnectError(`message larger than ${options.readMaxBytes} bytes`, Code.ResourceExhausted));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!finished) start(Buffer.concat(chunks, size));
    });
    return true;
  };
}

/** The `message` query parameter of a Connect GET: base64url when `base64=1`, else the text itself. */
function queryMessage(query: URLSearchParams): Buffer {
  const message = query.get("message") ?? "";
  return query.get("base64") === "1" ? Buffer.from(message, "base64url") : Buffer.from(message, "utf8");
}

async function decode(
  body: Buffer,
  wire: Protocol["wire"],
  json: boolean,
  compression: "identity" | "gzip",
  schema: DescMessage,
  readMaxBytes: number,
  jsonRead: Partial<JsonReadOptions>,
): Promise<MessageShape<DescMessage>> {
  let payload: Buffer = body;
  let compressed = compression === "gzip";
  if (wire !== "connect") {
    // The codes connect-node (and gRPC) answer: a unary call without exactly one message is
    // UNIMPLEMENTED, a cut-off envelope INVALID_ARGUMENT, a compressed one without an encoding INTERNAL.
    if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
    if (body.length < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    if ((body[0]! & 0b1111_1110) !== 0) throw new ConnectError("protocol error: unexpected envelope flags", Code.InvalidArgument);
    const end = 5 + body.readUInt32BE(1);
    if (end > body.length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    if (end < body.length) {
      const complete = body.length - end >= 5 && body.length - end - 5 >= body.readUInt32BE(end + 1);
      throw complete
        ? new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented)
        : new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    }
    if (body[0] === 1 && compression === "identity") {
      throw new ConnectError("protocol error: received compressed envelope, but do not know how to decompress", Code.Internal);
    }
    compressed = body[0] === 1;
    payload = body.subarray(5, end);
  }
  if (compressed) payload = await gunzipBounded(payload, readMaxBytes);
  if (payload.length > readMaxBytes) throw new ConnectError(`message larger than ${readMaxBytes} bytes`, Code.ResourceExhausted);
  try {
    return json ? fromJsonString(schema, payload.toString("utf8"), jsonRead) : fromBinary(schema, payload);
  } catch (error) {
    throw new ConnectError(`cannot parse the request: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

function gunzipBounded(data: Buffer, readMaxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    gunzip(data, { maxOutputLength: readMaxBytes + 1 }, (error, out) => {
      if (!error) return resolve(out);
      const tooLarge = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      reject(
        tooLarge
          ? new ConnectError(`message larger than ${readMaxBytes} bytes`, Code.ResourceExhausted)
          : new ConnectError(`cannot decompress the request: ${error.message}`, Code.InvalidArgument),
      );
    }),
  );
}

function header(req: Http2ServerRequest, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

function requestHeaders(req: Http2ServerRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/** A length-prefixed frame (gRPC, gRPC-Web): a flags byte and a big-endian length. */
function envelope(flags: number, message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = flags;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** gRPC's frame for an uncompressed message. */
export function grpcFrame(message: Uint8Array): Buffer {
  return envelope(0, message);
}
