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

### Per-call allocation halved (second pass)

The profiles of a cache-hit Verify kept showing garbage collection as the largest single item
(18% of busy time), so the second pass counted what each call allocates (\`bench/allocation.ts\`,
deterministic: 23.1 KB per call at e31283b, 12.7 KB after) and removed it where it came from:

- the token checksum in plain arithmetic (a CRC32 fits a double) instead of BigInt and two
  Buffers, and SHA-256 by \`crypto.hash\` in one call (both tokens, every call);
- the authentication interceptor makes no closures per call (each named closure also costs a
  \`__name\` definition under tsx) and files the call's actor from one frozen object per cache
  entry instead of two hex conversions; its success path has no async frame of its own;
- metrics: RPC and Verify-outcome counts are plain tallies per label set, handed to prom-client at
  scrape (\`collect\`), leaving one histogram observation per call with a label object made once;
- the fast path's handler context makes its abort signal, URL and trailers only when asked (a
  finished unary call has nothing to abort, and most set no trailer), the HTTP/2 exchange is a
  class instead of an object of eight closures, a request is decoded without a promise unless it
  is gzipped, and per-stream listeners use \`on\` (\`close\` and \`wantTrailers\` come once; \`once\`
  wraps every listener);
- a cache hit is answered without a promise of its own, context values keep their methods on a
  prototype (connect's object literal makes three functions per call), and use counts are found by
  hour then token instead of by a key string built per call.

In process the pipeline's wall time per cache-hit call went from 24 µs to about 8 µs. Over the
network the gain is smaller (about 92 → 70 µs of CPU per call in quiet quick runs), because node:http2
itself costs about 33 µs per call (the floor row) and the no-op pipeline about 44 µs.

### What is left on a cache-hit Verify

The row "no-op RPC, Tessera's RPC pipeline without interceptors" serves the no-op through
\`rpcHandler\` as the service does, with no interceptors: about the grpc-js no-op's cost. Between it
and Verify, in profiles diffed function by function (µs per call): garbage collection (+4), the
five interceptors and the handler as async functions (each async layer allocates about 450 bytes
and two microtask turns), two SHA-256 (about 1.5; the checksums now run on cache misses only: a
hash the cache holds was well-formed when it was read), prom-client's histogram
observation (about 1), undici's \`Headers\` for the response header the request id travels in (about
1.5), the usage recorder and the cache lookups (about 1 each), and HTTP/2 writes that batch less
when each call takes longer. Turning the interceptors off in a quick run brought Verify to about
55–59 µs per call; fusing them into one would break the one-concern-per-interceptor design for a
few percent, and was not done.

### Cold Verify

On a miss the service reads only the presented token (with a projection): the caller's credential
and the token's account come from the cache (one miss per call, no bypass, by the cache's
counters). Lookups that miss together now share one read (a cold start with 64 calls in flight
made 128 reads of the token and 128 of its account), never across an invalidation (unit-tested).
With the database's sweep scans out of the way (below), a cold call is bound by the service's CPU:
about 400 µs per call against about 200–280 µs for the bare findOne server, of which the MongoDB
driver is about 125 µs (the read, and the usage flush's two bulk writes a second covering every
token used in it: the bare server records no use), garbage collection about 50 µs, and the
pipeline the rest. Profiling it also found a defect: the cache's hit path for the caller's own
credential took 15 µs per call, because a JavaScript \`Map\` used as an LRU (re-inserted on every
hit, evicting its first key) slows down in proportion to its size under churn: up to 80 µs an
operation at 100,000 entries (tombstones at the start of the table, re-scanned by every
\`keys().next()\`). Every bounded map of the service now uses lru-cache, whose cost is flat: the
verify cache's three maps, the failed-authentication limiter (which attackers fill on purpose),
console session endings, OIDC issuers and the MCP caller cache.

### 1M tokens stored

A cache hit reads nothing from the database, yet the 1M rows cost more per call than the 1k rows.
The cause was the outbox sweep (\`store/outbox.ts\`, every second on every instance): its queries
for waiting effects and for half-done deletions are indexed, but mongo-java-server answers range and
non-unique queries by scanning every document (measured: 94 ms for the range query over 200,000
tokens), so with a million tokens the database process spent most of a core on it, starving the
load generator beside it. On MongoDB those are index lookups. The sweep interval is now a setting
(\`TESSERA_OUTBOX_SWEEP_MS\`, default 1 s: how long a crash can delay effects); the benchmark sweeps
once a minute and keeps one row with the default to show the difference. Even so the 1M rows of a
full run still vary by about 30% from turn to turn, while separate runs of one server against a
database of a million tokens (the database on the load generator's core, idle during the runs by its
CPU counters) measured 56–75 µs of CPU per cache-hit call, as with 1k or 300k tokens (63–73 µs):
whatever remains is the machine's, not the cache's (it holds two entries either way).

### Revocation under a burst

Each poll of the change log reads only what it has not seen unless a count shows a late writer
(\`auth/invalidations.ts\`), so a burst is read once. The burst row still missed by far in the
previous run for two reasons of the benchmark's own: every sample added its 10,000 events to the
log and none were removed, so the last samples followed 300,000 events, which mongo-java-server
scans on every poll (20 a second); and the measured reader shared its core with the database. Each
burst is now removed after its revocation, and the reader has the servers' core.

### MCP tool calls

A whoami tool call cost the service about 2.1 ms of CPU on a quiet machine (3,000 sequential
calls, \`node --cpu-prof\`), against about 0.3 ms for the WhoAmI RPC it wraps. Three defects of ours
were found and fixed: each tool's argument and result schemas were built on every call (zod
compiled them on every call); the SDK's McpServer built every prompt's zod schemas again for the
server each stateless request makes (prompts are now listed and got from their definitions, on the
SDK's low-level \`Server\`); and the client made ten service clients per request and merged the MCP
server's headers into a second undici \`Headers\` per call (clients are now made on first use, and
calls without headers of their own take the MCP server's as they are). Together: about 1.6 ms of
CPU per call. What remains is mostly the MCP SDK's web-standard Streamable HTTP transport over
@hono/node-server (a \`Request\`, \`Response\` and their \`Headers\` per call), its JSON-RPC checks
with zod, garbage collection, and the connect-node client's call to the identity API (which aborts
an AbortController at the end of every call: a DOMException each). The table's method changed
too: 300 calls of the RPC and then 300 of the tool measured 2.9, 2.0, 3.8 and 3.3 ms of overhead
in four full runs on one day, as the machine's load moved between the two halves; the two now
alternate call by call, in three turns of a fresh server, before the million-token database is
seeded (its JVM shares the clients' core).

### Latency at fixed rates

The fixed-rate rows used h2load's \`--rps\` mode, in which every connection sends on its own timer:
its p50s were 2–4 ms for the grpc-js no-op and for Verify alike, at half the no-op's capacity and
even at 500 calls a second, where one call alone takes under 1 ms on this machine (measured call by
call with \`node:http2\`: headers, data and trailers within 0.1 ms of each other for both servers).
A Node generator that spread calls evenly fell behind at 7,000 calls/s on the shared core. The rows
now come from \`bench/pacer\`, a small Go generator on the standard library's h2c client: call i
is due at start + i/rate, it goes out in its own goroutine (at most 64 in flight), and its latency
is counted from when it was due, so a generator that falls behind makes the server look slower,
never faster. Its p50s at the same rates are 0.35–0.6 ms. Its p99s, about 100 ms for both servers,
are stalls of the shared machine or of the generator itself, not told apart here. \`bench/load.ts\` keeps only what h2load cannot do
at saturation: a different token per call, for cold Verify.

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
