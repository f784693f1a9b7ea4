// A direct route for every unary identity call: native gRPC, gRPC-Web and the Connect protocol
// (POST and GET), binary or JSON, uncompressed or gzip. connect-node spends most of a small call
// on its protocol machinery (async-iterable pipelines per call), and it reports a request body it
// cannot parse as INTERNAL on the paths it serves. Here the HTTP/2 stream is read and written
// directly, while everything that decides the answer is shared with connect-node: the same
// interceptors (metrics, request context, audit, error mapping, authentication), the same handlers,
// connect's own handler context (deadline, cancellation), trailer and error encoders. Streaming
// calls and other compressions are left to connect-node.
import { gunzip } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
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
import { compatExchange, http1Exchange, streamExchange, type Exchange, type RequestOrigin } from "./exchange.ts";
import { RequestHeaders } from "./request-headers.ts";

const ignoreChunk = (_chunk: Buffer) => {};

/** How far past the limit a too-large request is read (and dropped) before the client is cut off. */
const discardLimit = 16;

/** A unary method and its implementation (as registered with connect-node). */
export interface FastMethod {
  method: DescMethodUnary;
  handler(request: never, ctx: HandlerContext): unknown;
}

export interface FastPathOptions {
  methods: FastMethod[];
  interceptors: Interceptor[];
  readMaxBytes: number;
  contextValues(origin: RequestOrigin): ContextValues;
  /** Message types that google.protobuf.Any fields may carry in JSON. */
  jsonRegistry?: Registry;
}

/** How a call is framed on the wire, and in which encoding its messages are. */
interface Protocol {
  wire: "grpc" | "grpc-web" | "connect";
  json: boolean;
}

const maxTimeoutMs = 2 ** 31 - 1;
const handlerContextKey = createContextKey<CallContext | undefined>(undefined, { description: "fast path handler context" });

// A map, not an object: a content type such as "constructor" must find nothing.
const contentTypes = new Map<string, Protocol>(Object.entries({
  "application/grpc": { wire: "grpc", json: false },
  "application/grpc+proto": { wire: "grpc", json: false },
  "application/grpc+json": { wire: "grpc", json: true },
  "application/grpc-web": { wire: "grpc-web", json: false },
  "application/grpc-web+proto": { wire: "grpc-web", json: false },
  "application/grpc-web+json": { wire: "grpc-web", json: true },
  "application/proto": { wire: "connect", json: false },
  "application/json": { wire: "connect", json: true },
} satisfies Record<string, Protocol>));

/** Messages whose binary encoding is computed once and reused: see `reusable`. */
const encodings = new WeakMap<object, Uint8Array | undefined>();

/**
 * Marks a response message as never changed again, so this path encodes it once however often it
 * is answered (e.g. Verify's answer for a cached token). Returns the message.
 */
export function reusable<T extends object>(message: T): T {
  encodings.set(message, undefined);
  return message;
}

function toBinaryOnce(schema: DescMessage, message: MessageShape<DescMessage>): Uint8Array {
  if (!encodings.has(message)) return toBinary(schema, message);
  let bytes = encodings.get(message);
  if (!bytes) encodings.set(message, (bytes = toBinary(schema, message)));
  return bytes;
}

/** Compression of the request: none, gzip, or one this path leaves to connect-node (undefined). */
function compressionOf(value: string | undefined | null): "identity" | "gzip" | undefined {
  if (value === undefined || value === null || value === "" || value === "identity") return "identity";
  return value === "gzip" ? "gzip" : undefined;
}

/** A unary method's interceptor chain around its handler. */
interface Route {
  method: DescMethodUnary;
  call(req: UnaryRequest): Promise<UnaryResponse>;
  readOnly: boolean;
}

/** What every call of one fast path shares. */
interface Shared {
  readMaxBytes: number;
  jsonRead: Partial<JsonReadOptions>;
  jsonWrite: { registry?: Registry };
}

/** Serves the calls it understands, given as a request (compatibility objects) or a raw stream; false: not taken. */
export interface FastPath {
  request(req: Http2ServerRequest, res: Http2ServerResponse): boolean;
  stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
  /** HTTP/1.1: the Connect protocol and gRPC-Web (native gRPC needs HTTP/2's trailers). */
  http1(req: IncomingMessage, res: ServerResponse): boolean;
}

export function unaryFastPath(options: FastPathOptions): FastPath {
  // Unknown fields and enum names are refused, never silently dropped (a dropped filter lists everything).
  const shared: Shared = {
    readMaxBytes: options.readMaxBytes,
    jsonRead: { ignoreUnknownFields: false, registry: options.jsonRegistry },
    jsonWrite: { registry: options.jsonRegistry },
  };
  const routes = new Map(
    options.methods.map((m) => {
      const call = options.interceptors.reduceRight(
        (next, interceptor) => interceptor(next),
        (async (req: UnaryRequest) => {
          const ctx = req.contextValues.get(handlerContextKey)!;
          const output = await m.handler(req.message as never, ctx);
          return new CallResponse(ctx, create(m.method.output, output as never));
        }) as Parameters<Interceptor>[0],
      );
      const readOnly = m.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      const route: Route = { method: m.method, call: call as Route["call"], readOnly };
      return [`/${m.method.parent.typeName}/${m.method.name}`, route];
    }),
  );

  /** Takes the call at `url` when it is one of this path's, the exchange made only then. */
  const take = (method: string, url: string, headers: IncomingHttpHeaders, exchange: () => Exchange, trailers = true): boolean => {
    const queryAt = url.indexOf("?");
    const route = routes.get(queryAt < 0 ? url : url.slice(0, queryAt));
    if (!route) return false;
    const get = method === "GET" ? new URLSearchParams(queryAt < 0 ? "" : url.slice(queryAt + 1)) : undefined;
    let protocol: Protocol | undefined;
    let compression: "identity" | "gzip" | undefined;
    if (get) {
      // Connect GET: only for calls without side effects, the message in the query.
      if (!route.readOnly || get.get("connect") !== "v1") return false;
      const encoding = get.get("encoding");
      protocol = encoding === "json" ? { wire: "connect", json: true } : encoding === "proto" ? { wire: "connect", json: false } : undefined;
      compression = compressionOf(get.get("compression"));
    } else if (method === "POST") {
      const contentType = headers["content-type"] ?? "";
      protocol = contentTypes.get(contentType) ?? contentTypes.get(contentType.split(";")[0]!.trim());
      compression = compressionOf(header(headers, protocol?.wire === "connect" ? "content-encoding" : "grpc-encoding"));
    }
    if (!protocol || !compression || (protocol.wire === "grpc" && !trailers)) return false;
    const taken = exchange();
    const call = new Call(taken, route, protocol, compression, shared);
    if (!call.open(options.contextValues)) return true;
    if (get) {
      // A GET's (empty) body is read to its end before the call runs: an answer that ends while the
      // request is unread is followed by a reset, which could overtake it.
      taken.read(ignoreChunk, () => void call.run(queryMessage(get)));
    } else call.read();
    return true;
  };
  return {
    request: (req, res) => take(req.method, req.url, req.headers, () => compatExchange(req, res)),
    stream: (stream, headers) => take(headers[":method"] ?? "", headers[":path"] ?? "", headers, () => streamExchange(stream, headers)),
    http1: (req, res) => take(req.method ?? "", req.url ?? "", req.headers, () => http1Exchange(req, res), false),
  };
}

/**
 * One call: its state, and the ways it ends. Methods rather than closures made per call: the
 * path is taken by every unary call, and what each call allocates shows in the profile.
 */
class Call {
  private finished = false;
  private ctx: CallContext | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly wire: Protocol["wire"];
  private readonly json: boolean;
  private readonly messageType: "json" | "proto";

  constructor(
    private readonly exchange: Exchange,
    private readonly route: Route,
    protocol: Protocol,
    private readonly compression: "identity" | "gzip",
    private readonly shared: Shared,
  ) {
    this.wire = protocol.wire;
    this.json = protocol.json;
    this.messageType = protocol.json ? "json" : "proto";
  }

  /** Sets up the call's context, deadline and cancellation; false when it already ended (a bad timeout). */
  open(initialValues: FastPathOptions["contextValues"]): boolean {
    const { exchange, wire } = this;
    const timeout =
      wire === "connect"
        ? parseConnectTimeout(header(exchange.headers, "connect-timeout-ms"), maxTimeoutMs)
        : parseGrpcTimeout(header(exchange.headers, "grpc-timeout"), maxTimeoutMs);
    if (timeout.error) {
      this.fail(timeout.error);
      return false;
    }
    // Aborted by the deadline or by the client going away, and left alone once answered (a finished
    // unary call has nothing to cancel).
    exchange.onClose(() => {
      if (this.finished) return;
      clearTimeout(this.deadline);
      this.ctx?.abort(new ConnectError("the client cancelled the call", Code.Canceled));
    });
    const contextValues = initialValues(exchange.origin);
    // Whole milliseconds, as connect's own context reports them (a handler may pass them on as integers).
    const deadlineAt = timeout.timeoutMs === undefined ? undefined : Math.trunc(Date.now() + timeout.timeoutMs);
    this.ctx = new CallContext(this.route.method, wire, exchange, contextValues, deadlineAt);
    contextValues.set(handlerContextKey, this.ctx);
    if (timeout.timeoutMs !== undefined) {
      if (timeout.timeoutMs <= 0) this.expire();
      else this.deadline = setTimeout(() => this.expire(), timeout.timeoutMs);
    }
    return !this.finished;
  }

  /** DEADLINE_EXCEEDED, even when the handler ignores its signal. */
  private expire(): void {
    const error = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    this.ctx?.abort(error);
    this.fail(error);
  }

  /** Reads the request body, bounded, then runs the call. */
  read(): void {
    const { exchange } = this;
    const { readMaxBytes } = this.shared;
    const chunks: Buffer[] = [];
    let size = 0;
    exchange.read(
      (chunk) => {
        size += chunk.length;
        if (size <= readMaxBytes + 5) {
          chunks.push(chunk);
          return;
        }
        // Too large: the rest is dropped unread and the answer waits for the request's end, since a
        // client still sending does not read an answer; one that sends on and on is cut off.
        chunks.length = 0;
        if (size > discardLimit * readMaxBytes) {
          this.fail(tooLarge(readMaxBytes));
          exchange.stopReading();
        }
      },
      () => {
        if (this.finished) return;
        if (size > readMaxBytes + 5) this.fail(tooLarge(readMaxBytes));
        else this.run(Buffer.concat(chunks, size));
      },
    );
  }

  /** Decodes the request, runs the interceptors and handler, and answers: never an unhandled rejection. */
  async run(body: Buffer): Promise<void> {
    const { route, ctx } = this;
    try {
      const decoded = decode(body, this.wire, this.json, this.compression, route.method.input, this.shared);
      // Awaited only when it is a promise (gzip): most requests are not compressed.
      const message = decoded instanceof Promise ? await decoded : decoded;
      this.succeed(await route.call(new CallRequest(ctx!, message)));
    } catch (error) {
      // Parse, handler and encoding failures alike end in one answer.
      this.fail(error);
    }
  }

  private encode(message: MessageShape<DescMessage>): Uint8Array {
    const schema = this.route.method.output;
    return this.json ? Buffer.from(toJsonString(schema, message, this.shared.jsonWrite)) : toBinaryOnce(schema, message);
  }

  private succeed(response: UnaryResponse): void {
    const body = this.encode(response.message);
    const { wire, messageType } = this;
    const headers = response.header;
    // Most calls set no trailer: then none was made, and the answer's trailers are the status alone.
    const trailers = response instanceof CallResponse ? response.trailerIfSet() : response.trailer;
    if (wire === "grpc") {
      this.respond(200, `application/grpc+${messageType}`, headers, envelope(0, body), trailers ? setTrailerStatus(trailers, undefined) : okTrailers);
    } else if (wire === "grpc-web") {
      const status = trailerSerialize(setTrailerStatus(trailers ?? new Headers(), undefined));
      this.respond(200, `application/grpc-web+${messageType}`, headers, Buffer.concat([envelope(0, body), envelope(trailerFlag, status)]));
    } else {
      this.respond(200, `application/${messageType}`, trailers ? trailerMux(headers, trailers) : headers, body);
    }
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    const err = ConnectError.from(error);
    const { wire, messageType } = this;
    // As under connect-node, the headers and trailers the call has set go out with its error, and
    // the error's own metadata joins them once (setTrailerStatus merges it; protocol headers never).
    const headers = this.ctx?.responseHeader ?? new Headers();
    const trailers = this.ctx?.responseTrailer ?? new Headers();
    if (wire === "grpc") {
      this.respond(200, `application/grpc+${messageType}`, headers, new Uint8Array(0), setTrailerStatus(trailers, err));
    } else if (wire === "grpc-web") {
      const status = trailerSerialize(setTrailerStatus(trailers, err));
      this.respond(200, `application/grpc-web+${messageType}`, headers, envelope(trailerFlag, status));
    } else {
      if (!err.isWireError) mergeNonProtocolHeaders(headers, err.metadata);
      this.respond(codeToHttpStatus(err.code), "application/json", trailerMux(headers, trailers), errorToJsonBytes(err, undefined));
    }
  }

  private respond(status: number, contentType: string, headers: Headers, body: Uint8Array, trailers?: Headers | OutgoingHttpHeaders): void {
    if (this.finished || this.exchange.gone()) return;
    this.finished = true;
    clearTimeout(this.deadline);
    const responseHeaders: OutgoingHttpHeaders = {};
    headers.forEach(copyInto, responseHeaders);
    responseHeaders["content-type"] = contentType;
    this.exchange.respond(status, responseHeaders, body, trailers instanceof Headers ? Object.fromEntries(trailers) : trailers);
  }
}

/** The trailers of a gRPC call that succeeded and set none: the same object for all (the exchange only reads it). */
const okTrailers: OutgoingHttpHeaders = Object.freeze({ "grpc-status": "0" });

function copyInto(this: OutgoingHttpHeaders, value: string, key: string): void {
  this[key] = value;
}

/**
 * A call's handler context. What most calls never use is made only when first asked for: the
 * abort signal (a finished unary call has nothing to cancel), the URL, the response trailers.
 */
class CallContext implements HandlerContext {
  readonly service: HandlerContext["service"];
  readonly protocolName: string;
  readonly requestMethod: string;
  readonly requestHeader: Headers;
  #controller: AbortController | undefined;
  #abortedBy: ConnectError | undefined;
  #header: Headers | undefined;
  #trailer: Headers | undefined;

  constructor(
    readonly method: DescMethodUnary,
    protocolName: string,
    private readonly exchange: Exchange,
    readonly values: ContextValues,
    private readonly deadlineAt: number | undefined,
  ) {
    this.service = method.parent;
    this.protocolName = protocolName;
    this.requestMethod = exchange.method;
    this.requestHeader = new RequestHeaders(exchange.headers);
  }

  get url(): string {
    return `http://${this.exchange.authority}${this.exchange.url}`;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Asked for after the call ended (deadline, client gone): aborted already.
      if (this.#abortedBy) this.#controller.abort(this.#abortedBy);
    }
    return this.#controller.signal;
  }

  /** Aborts the signal, now if anybody asked for it, else when somebody does. */
  abort(reason: ConnectError): void {
    this.#abortedBy ??= reason;
    this.#controller?.abort(reason);
  }

  timeoutMs(): number | undefined {
    return this.deadlineAt === undefined ? undefined : this.deadlineAt - Date.now();
  }

  get responseHeader(): Headers {
    return (this.#header ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#trailer ??= new Headers());
  }

  /** The response trailers, when anybody asked for them. */
  trailerIfSet(): Headers | undefined {
    return this.#trailer;
  }
}

/** What the request and the response of a call share: its method and message, by its context. */
abstract class CallMessage {
  readonly stream = false;
  readonly service: UnaryRequest["service"];
  readonly method: DescMethodUnary;

  constructor(
    protected readonly ctx: CallContext,
    readonly message: MessageShape<DescMessage>,
  ) {
    this.service = ctx.service;
    this.method = ctx.method;
  }
}

/** The request the interceptors see, reading its context's lazy parts only when asked. */
class CallRequest extends CallMessage implements UnaryRequest {
  get requestMethod(): string {
    return this.ctx.requestMethod;
  }

  get header(): Headers {
    return this.ctx.requestHeader;
  }

  get contextValues(): ContextValues {
    return this.ctx.values;
  }

  get url(): string {
    return this.ctx.url;
  }

  get signal(): AbortSignal {
    return this.ctx.signal;
  }
}

/** The handler's answer, with its context's headers; trailers only if the call set any. */
class CallResponse extends CallMessage implements UnaryResponse {
  get header(): Headers {
    return this.ctx.responseHeader;
  }

  get trailer(): Headers {
    return this.ctx.responseTrailer;
  }

  trailerIfSet(): Headers | undefined {
    return this.ctx.trailerIfSet();
  }
}

const tooLarge = (readMaxBytes: number) => new ConnectError(`message larger than ${readMaxBytes} bytes`, Code.ResourceExhausted);

/** The `message` query parameter of a Connect GET: base64url when `base64=1`, else the text itself. */
function queryMessage(query: URLSearchParams): Buffer {
  const message = query.get("message") ?? "";
  return query.get("base64") === "1" ? Buffer.from(message, "base64url") : Buffer.from(message, "utf8");
}

function decode(
  body: Buffer,
  wire: Protocol["wire"],
  json: boolean,
  compression: "identity" | "gzip",
  schema: DescMessage,
  shared: Shared,
): MessageShape<DescMessage> | Promise<MessageShape<DescMessage>> {
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
  return compressed
    ? gunzipBounded(payload, shared.readMaxBytes).then((inflated) => parse(inflated, json, schema, shared))
    : parse(payload, json, schema, shared);
}

function parse(payload: Buffer, json: boolean, schema: DescMessage, { readMaxBytes, jsonRead }: Shared): MessageShape<DescMessage> {
  if (payload.length > readMaxBytes) throw tooLarge(readMaxBytes);
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
      reject(
        (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE"
          ? tooLarge(readMaxBytes)
          : new ConnectError(`cannot decompress the request: ${error.message}`, Code.InvalidArgument),
      );
    }),
  );
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === "string" ? value : null;
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
