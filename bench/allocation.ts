// Heap allocated per cache-hit Verify, in process: the identity API's handler is offered calls on an
// in-memory HTTP/2 stream, so the count is the RPC pipeline's own (fast path, interceptors,
// authentication, handler), free of the network and of the machine's other work. Run with
// --expose-gc and a young generation large enough that no collection runs while counting.
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { create, toBinary } from "@bufbuild/protobuf";
import { MongoClient } from "mongodb";
import pino from "pino";
import { loadConfig } from "../common/config.ts";
import { VerifyRequestSchema } from "../gen/tessera/identity/v1/verify_pb.ts";
import { createApp } from "../services/identity/app.ts";
import { grpcFrame } from "../services/identity/rpc/unary-fast-path.ts";

const mongo = await new MongoClient(process.env.MONGODB_URI!).connect();
const identity = await createApp(loadConfig(process.env), { mongo, log: pino({ level: "silent" }) });
const take = identity.handler.stream!;
const body = grpcFrame(toBinary(VerifyRequestSchema, create(VerifyRequestSchema, { token: process.env.PRESENTED! })));
const headers: IncomingHttpHeaders = {
  ":method": "POST",
  ":path": "/tessera.identity.v1.VerifyService/Verify",
  ":authority": "127.0.0.1",
  ":scheme": "http",
  "content-type": "application/grpc",
  te: "trailers",
  authorization: `Bearer ${process.env.CALLER!}`,
};
const session = { socket: { remoteAddress: "127.0.0.1" } };

/** The part of a server stream the fast path uses: it answers when the call is done. */
class MemoryStream extends EventEmitter {
  readonly session = session;
  destroyed = false;
  closed = false;
  private trailers: OutgoingHttpHeaders = {};

  constructor(private readonly done: (status: string) => void) {
    super();
  }

  respond(): void {}

  sendTrailers(trailers: OutgoingHttpHeaders): void {
    this.trailers = trailers;
  }

  end(): void {
    queueMicrotask(() => {
      this.emit("wantTrailers");
      this.closed = true;
      this.emit("close");
      this.done(String(this.trailers["grpc-status"]));
    });
  }
}

function call(): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = new MemoryStream((status) => (status === "0" ? resolve() : reject(new Error(`grpc-status ${status}`))));
    if (!take(stream as unknown as ServerHttp2Stream, headers)) reject(new Error("the fast path did not take the call"));
    stream.emit("data", body);
    stream.emit("end");
  });
}

/** `count` calls, 64 at a time as the load generators keep them; the wall time in µs per call. */
async function calls(count: number): Promise<number> {
  const started = performance.now();
  let left = count;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (left-- > 0) await call();
  }));
  return ((performance.now() - started) * 1000) / count;
}

const gc = (globalThis as { gc?: () => void }).gc!;
let collections = 0;
new PerformanceObserver((list) => (collections += list.getEntries().length)).observe({ entryTypes: ["gc"] });
await calls(20_000);
const bytes: number[] = [];
for (let round = 0; round < 7; round++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  collections = 0;
  const before = getHeapStatistics().used_heap_size;
  await calls(2000);
  const after = getHeapStatistics().used_heap_size;
  // The observer reports on a later turn: a round with a collection in it does not count.
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (collections === 0) bytes.push((after - before) / 2000);
}
const microseconds: number[] = [];
for (let round = 0; round < 5; round++) microseconds.push(await calls(20_000));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
if (bytes.length === 0) throw new Error("a collection ran in every round: give the young generation more room");
console.log(JSON.stringify({ bytesPerCall: Math.round(median(bytes)), rounds: bytes.length, wallUsPerCall: Math.min(...microseconds) }));
await identity.close();
await mongo.close();
process.exit(0);
