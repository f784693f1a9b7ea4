// Prometheus metrics: RPCs by method and code with latency, Verify outcomes (valid, or the reason the
// presented token is not) read from the response, and the MongoDB connection pool.
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { MongoClient } from "mongodb";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { VerifyService } from "../../../gen/tessera/identity/v1/verify_pb.ts";
import type { VerifyCache } from "../auth/verify-cache.ts";
import { codeName } from "./interceptors/error-mapping.ts";

export class Metrics {
  readonly registry = new Registry();
  // Label sets are made once per method and code, not on every call (methods are the registered
  // ones, codes a fixed few); Verify's outcomes are counted in plain fields, handed over at scrape.
  private readonly labels = new Map<string, Map<string, { method: string; code: string }>>();
  private readonly outcomes = new Map<string, { labels: { outcome: string }; count: number }>();
  private readonly latency = new Histogram({
    name: "tessera_rpc_duration_seconds",
    help: "RPC handling time, by method and result code",
    labelNames: ["method", "code"],
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly pool = new Gauge({
    name: "tessera_db_pool_connections",
    help: "MongoDB pool connections: open, and checked out by a request",
    labelNames: ["state"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "tessera_" });
    const { latency, outcomes } = this;
    // The latency histogram counts every call already: the total is its count, read at scrape.
    new Counter({
      name: "tessera_rpc_total",
      help: "RPCs handled, by method and result code",
      labelNames: ["method", "code"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { metricName, labels, value } of (await latency.get()).values) {
          if (metricName === "tessera_rpc_duration_seconds_count") this.inc(labels as { method: string; code: string }, value);
        }
      },
    });
    new Counter({
      name: "tessera_verify_total",
      help: "Verify answers for the presented token: valid, or the reason it is not (failed calls count in tessera_rpc_total only)",
      labelNames: ["outcome"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { labels, count } of outcomes.values()) this.inc(labels, count);
      },
    });
  }

  /** Reports the verify cache's size and lookups at each scrape. */
  watchCache(cache: VerifyCache): void {
    new Gauge({
      name: "tessera_verify_cache_entries",
      help: "Verified tokens held in the in-process cache",
      registers: [this.registry],
      collect() {
        this.set(cache.size);
      },
    });
    new Counter({
      name: "tessera_verify_cache_lookups_total",
      help: "Verify cache lookups: hit, miss, or bypass (the invalidation log was not read recently)",
      labelNames: ["result"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [result, count] of Object.entries(cache.lookups)) this.inc({ result }, count);
      },
    });
  }

  interceptor(): Interceptor {
    return (next) => async (req) => {
      const started = performance.now();
      try {
        const res = await next(req);
        this.count(req.method.name, "ok", started);
        // The outcome for the presented token is in the response; an error is about the call itself
        // (the caller's credential or permission, a bad field, an outage), not an outcome.
        if (req.method === VerifyService.method.verify && !res.stream) {
          const { valid, reason } = res.message as { valid?: boolean; reason?: string };
          const outcome = valid ? "valid" : reason || "invalid";
          let tally = this.outcomes.get(outcome);
          if (!tally) this.outcomes.set(outcome, (tally = { labels: { outcome }, count: 0 }));
          tally.count++;
        }
        return res;
      } catch (error) {
        this.count(req.method.name, codeName(ConnectError.from(error).code), started);
        throw error;
      }
    };
  }

  private count(method: string, code: string, started: number): void {
    let byCode = this.labels.get(method);
    if (!byCode) this.labels.set(method, (byCode = new Map()));
    let labels = byCode.get(code);
    if (!labels) byCode.set(code, (labels = { method, code }));
    this.latency.observe(labels, (performance.now() - started) / 1000);
  }

  /** Call before the client connects, so that every pool event is counted. */
  watchPool(client: MongoClient): void {
    this.pool.set({ state: "open" }, 0);
    this.pool.set({ state: "in_use" }, 0);
    client.on("connectionCreated", () => this.pool.inc({ state: "open" }));
    client.on("connectionClosed", () => this.pool.dec({ state: "open" }));
    client.on("connectionCheckedOut", () => this.pool.inc({ state: "in_use" }));
    client.on("connectionCheckedIn", () => this.pool.dec({ state: "in_use" }));
  }
}
