// What the profiles say: the analysis behind docs/benchmarks.md. Written from CPU profiles taken with
// `BENCH_PROFILE=<dir> npm run bench` (node --cpu-prof on every server), not measured by this run:
// the shares quoted are of the server's busy CPU in those profiles.
export const profileNotes = `## What the profiles say

\`BENCH_PROFILE=<dir> npm run bench\` writes a CPU profile of every server (\`node --cpu-prof\`). The
shares below are of a server's busy time in profiles taken while writing issue 14's changes
(2026-11-25, same machine); they move with the machine's load, the ranking does not.

### Per-call costs removed from a cache-hit Verify

- **The answer is built and encoded once per cache entry.** protobuf-es's reflective \`create\` and
  \`toBinary\` of the identity took about 5%. Verify's valid answer is now memoised on the cached
  object (\`rpc/handlers/verify.ts\`), and the fast path encodes a message marked \`reusable\` once
  (\`rpc/unary-fast-path.ts\`). The cached object is replaced whenever its token or its account is
  invalidated, so the memoised answer goes exactly when the entry does.
- **Not taken: remembering the hash of a repeated credential.** Format, checksum (BigInt base62)
  and SHA-256 of both tokens took about 6%; a bounded map from recently seen secrets to their hash
  skipped them, but it kept presented secrets (revoked ones too) in memory, so it was removed:
  the service keeps no secret, only hashes.
- **One AbortController per call, and nothing to abort at the end.** connect's
  \`createHandlerContext\` links three controllers and copies the headers twice; aborting the
  context at the end of each call took 2.8%. The fast path builds the context itself: one signal,
  aborted by the deadline or by the client going away.
- **Request headers are not copied.** \`rpc/request-headers.ts\` serves \`get\`/\`has\` from the
  HTTP/2 header object and becomes a real \`Headers\` only when iterated or changed (about 3%).
- **No closures per call.** The fast path's per-call state is a class: under tsx every named closure
  also costs a \`__name\` property definition (about 2% for the fast path's ten).
- **Straight from the HTTP/2 stream.** Node's compatibility objects (\`Http2ServerRequest\`,
  \`Http2ServerResponse\`, \`writeHead\`, \`end\`, trailers) took about 13%. Node serves a request
  handler from a \`stream\` listener of its own; \`serveStreams\` (\`rpc/rpc-handler.ts\`, called by
  \`listen()\`) replaces it with one that offers each stream to the fast path first and passes the
  rest on, so the console, HTTP/1.1, health and streaming calls are served as before.
- **Ids in hex, and the caller, once per cache entry,** not per request (BSON's \`toHex\` was 1.8%):
  \`toCaller\` returns one frozen \`Caller\` per cached entry; the usage recorder updates its
  pending records in place.

### What is left on a cache-hit Verify

The row "no-op RPC, Tessera's RPC pipeline without interceptors" serves the no-op through
\`rpcHandler\` as the service does, with no interceptors. Measured on the compatibility layer it
already cost about what the grpc-js no-op costs; the transport and the fast path are thus not what
separates Verify from grpc-js. The rest of a cache-hit call is, roughly half its CPU:

- **The interceptors** (unchanged here; they belong to another change): prom-client's histogram
  timer and label hashing per call, a \`randomUUID\` per call, the audit interceptor's \`actionOf\`
  (a regex split of the method name per call; a map per method would do), the authentication
  interceptor's closures, five async functions each adding promises.
- **Garbage collection, 10–20% of busy time**, mostly from those per-call objects.
- **Background database work, about 8% of busy time at saturation**: the change-log poll every
  50 ms (\`TESSERA_INVALIDATION_POLL_MS\`) and the usage flush; a cost per second, not per call.

### Cold Verify

On a miss the service now reads only the presented token (with a projection): the caller's
credential and the token's account come from the cache, which keeps accounts apart from tokens
(unit-tested: a new token of a cached account costs one read; on a cold run the cache's counters
show one miss per call and no bypass). The gap to the bare findOne server is elsewhere:

- **CPU per call**: a cold call is that read plus a cache-hit call's pipeline plus building and
  encoding a new answer; by CPU it costs about twice the raw server's call. The MongoDB driver is
  about 40% of the busy time of a cold run (its per-operation CPU, the usage flush's bulk writes).
- **Waiting on the database**: with 64 calls in flight a cold Verify's p50 was 30–40 ms against
  about 18 ms for the raw server, with the service's CPU well under saturation, so in req/s the gap
  is wider than by CPU. Holding the usage flushes off did not change the rate measurably. The
  database is mongo-java-server (a JVM, not pinned), so this deserves a run against a real
  \`mongod\` before any conclusion about the read path itself.
- With the cache off, each call makes four reads and costs about 1 ms of CPU.

### 1M tokens stored

A cache hit reads nothing from the database, yet across runs the 1M rows showed 15–45% more CPU
per call than the 1k rows, and their req/s ratio to 1k moved between 43% and 148%. While they run,
the database process holds a million tokens in a heap of several GB and is not pinned: its garbage
collection shares both cores. Pinning the database to a core of its own, or a third core, would
settle whether any of it is Tessera's.

### Revocation under a burst

Each poll of the change log re-reads the whole look-back window (2 s by default), because writers
commit out of order. After a burst of 10,000 unrelated events every poll reads those 10,000 events
again for as long as they are in the window, which is what the burst row measures. Counting the
events already seen against an indexed count of the older part of the window, and reading only what
is new, would make a poll O(new events); it needs a \`count(from, to)\` method on
\`store/invalidation-repository.ts\`.

### Latency at fixed rates

The fixed-rate rows use h2load's \`--rps\` mode, in which every connection sends on its own timer.
A Node generator on \`node:http2\` that spread calls evenly (every millisecond, the calls due) was
tried for them and measured itself: on the shared core it fell behind at 7,000 calls/s (p50 over
100 ms for the grpc-js no-op, where h2load measured under 3 ms). \`bench/load.ts\` keeps only what
h2load cannot do: a different token per call, for cold Verify.

### connect-node, reported upstream (issue text)

> **connect-node: a unary call constructs a DOMException and spends a quarter of its CPU in GC**
>
> connect-es 2.2.0, Node 24, \`connectNodeAdapter\` on \`node:http2\` (cleartext), gRPC protocol.
> A no-op unary method (\`verify: () => ({ identity: constant })\`, about 150 bytes answered) served
> at saturation by h2load (4 connections × 16 streams, pre-encoded gRPC request) spends, by
> \`node --cpu-prof\`: 23% in garbage collection, 9% constructing \`DOMException\`s and 11% in
> \`AbortController.abort\`; about 280 µs of CPU per call against 40 µs for the same method on
> @grpc/grpc-js and 20 µs for a bare \`node:http2\` stream answering a constant frame.
>
> The DOMExceptions come from the handler context's controller being aborted without a reason
> when every call ends (\`createHandlerContext().abort()\`, reached from
> \`protocol-grpc/handler-factory.js\` and the Node universal handler): \`abort()\` without a reason
> constructs an \`AbortError\` DOMException, with its stack. Passing a reason (a shared
> \`ConnectError\`), or not aborting a context whose call completed, removes it. Much of the
> remaining GC is the async-iterable pipeline built per unary call (\`protocol/async-iterable.js\`,
> \`pipe\`).
>
> Separately, a request body that fails to parse is answered \`INTERNAL\`
> (\`protocol/serialization.js\`), where gRPC and Connect expect \`INVALID_ARGUMENT\`.
>
> Reproduction: \`bench/servers/connect-noop.ts\` in Tessera (18 lines), then
> \`h2load -c 4 -m 16 -n 60000 -d request.bin -H 'content-type: application/grpc' -H 'te: trailers'
> http://127.0.0.1:PORT/tessera.identity.v1.VerifyService/Verify\` with the server started under
> \`node --cpu-prof\`.
`;
