// grpc.health.v1.Health, reporting whether the database answers. The status is refreshed by one
// ping at a time, at most every `intervalMs`, so probes cannot flood the database.
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Db } from "mongodb";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.ts";
import { peerKey } from "./context.ts";

export class DatabaseHealth {
  private last: { serving: boolean; at: number } | undefined;
  private pending: Promise<boolean> | undefined;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 1000,
    private readonly timeoutMs = 2000,
  ) {}

  async serving(): Promise<boolean> {
    if (this.last && Date.now() - this.last.at < this.intervalMs) return this.last.serving;
    this.pending ??= this.ping().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async ping(): Promise<boolean> {
    const serving = await this.db
      .command({ ping: 1 }, { timeoutMS: this.timeoutMs })
      .then(() => true)
      .catch(() => false);
    this.last = { serving, at: Date.now() };
    return serving;
  }
}

/** Bounds on open Watch streams, which need no token: in all and per client address. */
export interface WatchLimits {
  total: number;
  perClient: number;
}

/** `services`: the fully-qualified names a client may ask about ("" means the server as a whole). */
export function healthHandlers(
  health: DatabaseHealth,
  services: readonly string[],
  limits: WatchLimits,
  watchIntervalMs = 1000,
): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
  const open = new Map<string, number>();
  let total = 0;
  const statusOf = async () => ((await health.serving()) ? Status.SERVING : Status.NOT_SERVING);
  return {
    async check(req) {
      if (!known.has(req.service)) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return { status: await statusOf() };
    },
    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        return;
      }
      const client = ctx.values.get(peerKey);
      const mine = open.get(client) ?? 0;
      if (total >= limits.total || mine >= limits.perClient) {
        throw new ConnectError("too many open health watches; use Check, or close a watch", Code.ResourceExhausted);
      }
      total++;
      open.set(client, mine + 1);
      try {
        let previous: Status | undefined;
        while (!ctx.signal.aborted) {
          const status = await statusOf();
          if (status !== previous) yield { status };
          previous = status;
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, watchIntervalMs);
            ctx.signal.addEventListener("abort", () => (clearTimeout(timer), resolve(undefined)), { once: true });
          });
        }
      } finally {
        total--;
        const left = open.get(client)! - 1;
        if (left === 0) open.delete(client);
        else open.set(client, left);
      }
    },
  };
}
