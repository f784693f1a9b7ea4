// grpc.health.v1.Health, reporting whether the database answers. The status is refreshed by one
// ping at a time, at most every `intervalMs`, so probes cannot flood the database.
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Db } from "mongodb";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.ts";

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

/** `services`: the fully-qualified names a client may ask about ("" means the server as a whole). */
export function healthHandlers(health: DatabaseHealth, services: readonly string[], watchIntervalMs = 1000): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
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
    },
  };
}
