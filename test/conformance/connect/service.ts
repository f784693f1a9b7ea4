// The conformance service (connectrpc.conformance.v1.ConformanceService) as the spec in its protos
// and the reference server describe it: every call echoes what the server observed (request
// headers, timeout, the requests themselves, the query of a Connect GET) and answers with the
// headers, trailers, data, delays and errors its first request asks for. Unimplemented is left
// unimplemented, so connect's router answers UNIMPLEMENTED for it.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformancePayload_ConnectGetInfoSchema,
  ConformancePayload_RequestInfoSchema,
  ConformancePayloadSchema,
  ConformanceService,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  type ConformancePayload_RequestInfo,
  type Error as ConformanceError,
  type Header,
  type StreamResponseDefinition,
  type UnaryResponseDefinition,
} from "./gen/connectrpc/conformance/v1/service_pb.ts";

type Payload = MessageInitShape<typeof ConformancePayloadSchema>;

export const conformanceService: Partial<ServiceImpl<typeof ConformanceService>> = {
  async unary(req, ctx) {
    return { payload: await unaryPayload(req.responseDefinition, [anyPack(UnaryRequestSchema, req)], ctx) };
  },
  async idempotentUnary(req, ctx) {
    return { payload: await unaryPayload(req.responseDefinition, [anyPack(IdempotentUnaryRequestSchema, req)], ctx) };
  },
  async clientStream(requests, ctx) {
    let definition: UnaryResponseDefinition | undefined;
    let first = true;
    const received: Any[] = [];
    for await (const req of requests) {
      if (first) definition = req.responseDefinition;
      first = false;
      received.push(anyPack(ClientStreamRequestSchema, req));
    }
    return { payload: await unaryPayload(definition, received, ctx) };
  },
  async *serverStream(req, ctx) {
    const definition = req.responseDefinition;
    const received = [anyPack(ServerStreamRequestSchema, req)];
    if (!definition) return;
    setHeaders(ctx, definition);
    let sent = 0;
    for (const data of definition.responseData) {
      await sleep(definition.responseDelayMs, ctx.signal);
      yield { payload: { data, requestInfo: sent === 0 ? requestInfo(ctx, received) : undefined } };
      sent++;
    }
    if (definition.error) throw conformanceError(definition.error, sent === 0 ? requestInfo(ctx, received) : undefined);
  },
  async *bidiStream(requests, ctx) {
    let definition: StreamResponseDefinition | undefined;
    let fullDuplex = false;
    let first = true;
    let sent = 0;
    let received: Any[] = [];
    for await (const req of requests) {
      received.push(anyPack(BidiStreamRequestSchema, req));
      if (first) {
        definition = req.responseDefinition;
        fullDuplex = req.fullDuplex;
        if (definition) setHeaders(ctx, definition);
        first = false;
      }
      if (!fullDuplex) continue;
      // Full duplex: one response for each request, echoing the requests since the last response.
      if (!definition || sent >= definition.responseData.length) break;
      await sleep(definition.responseDelayMs, ctx.signal);
      const info: Payload["requestInfo"] = sent === 0 ? requestInfo(ctx, received) : { requests: received };
      yield { payload: { data: definition.responseData[sent], requestInfo: info } };
      sent++;
      received = [];
    }
    if (!definition) return;
    // Half duplex (or responses left over after the requests ended): the rest, in order.
    for (; sent < definition.responseData.length; sent++) {
      await sleep(definition.responseDelayMs, ctx.signal);
      yield { payload: { data: definition.responseData[sent], requestInfo: sent === 0 ? requestInfo(ctx, received) : undefined } };
    }
    if (definition.error) throw conformanceError(definition.error, sent === 0 ? requestInfo(ctx, received) : undefined);
  },
};

async function unaryPayload(definition: UnaryResponseDefinition | undefined, received: Any[], ctx: HandlerContext): Promise<Payload> {
  const info = requestInfo(ctx, received);
  if (!definition) return { requestInfo: info };
  setHeaders(ctx, definition);
  if (definition.response.case === "error") throw conformanceError(definition.response.value, info);
  await sleep(definition.responseDelayMs, ctx.signal);
  return { requestInfo: info, data: definition.response.case === "responseData" ? definition.response.value : undefined };
}

function requestInfo(ctx: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  const timeoutMs = ctx.timeoutMs();
  let connectGetInfo;
  if (ctx.requestMethod === "GET") {
    const query = new URL(ctx.url).searchParams;
    const queryParams: Header[] = [];
    for (const name of new Set(query.keys())) queryParams.push(header(name, query.getAll(name)));
    connectGetInfo = create(ConformancePayload_ConnectGetInfoSchema, { queryParams });
  }
  return create(ConformancePayload_RequestInfoSchema, {
    requestHeaders: toHeaders(ctx.requestHeader),
    timeoutMs: timeoutMs === undefined ? undefined : BigInt(timeoutMs),
    requests,
    connectGetInfo,
  });
}

function header(name: string, value: string[]): Header {
  return { $typeName: "connectrpc.conformance.v1.Header", name, value };
}

function toHeaders(headers: Headers): Header[] {
  const out: Header[] = [];
  headers.forEach((value, name) => out.push(header(name, [value])));
  return out;
}

function setHeaders(ctx: HandlerContext, definition: UnaryResponseDefinition | StreamResponseDefinition) {
  for (const { name, value } of definition.responseHeaders) for (const v of value) ctx.responseHeader.append(name, v);
  for (const { name, value } of definition.responseTrailers) for (const v of value) ctx.responseTrailer.append(name, v);
}

/** The error a definition asks for; the request info joins its details when no response carried it. */
function conformanceError(error: ConformanceError, info: ConformancePayload_RequestInfo | undefined): ConnectError {
  const err = new ConnectError(error.message ?? "", error.code as number as Code);
  const details = info ? [...error.details, anyPack(ConformancePayload_RequestInfoSchema, info)] : error.details;
  for (const detail of details) err.details.push({ type: detail.typeUrl.slice(detail.typeUrl.lastIndexOf("/") + 1), value: detail.value });
  return err;
}

/** Waits `ms`; a call that ends first (deadline, cancellation) ends the wait with its reason. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}
