// The identity service assembled from its configuration: the one way `npm start`, the tests and
// the benchmarks build it, so none of them reassembles its options.
import { fileURLToPath } from "node:url";
import type { MongoClient } from "mongodb";
import type { Logger } from "pino";
import { serviceTuning, type Config } from "./config.ts";
import { Metrics } from "./rpc/metrics.ts";
import { build, type IdentityService } from "./rpc/server.ts";

/** Where `npm start` builds the console (console/vite.config.ts; git-ignored). */
export const consoleBuildDir = fileURLToPath(new URL("../../dist/console", import.meta.url));

export interface AppResources {
  /** A connected client; the app uses the database `TESSERA_DB_NAME` of it. */
  mongo: MongoClient;
  log: Logger;
  /** Metrics already watching `mongo`'s pool (see Metrics.watchPool); a fresh set when absent. */
  metrics?: Metrics;
}

export function createApp(config: Config, { mongo, log, metrics = new Metrics() }: AppResources): Promise<IdentityService> {
  return build({
    mongo,
    dbName: config.TESSERA_DB_NAME,
    metrics,
    log,
    tokenPrefix: config.TESSERA_TOKEN_PREFIX,
    apiAudience: config.TESSERA_API_AUDIENCE,
    usageFlushMs: config.TESSERA_USAGE_FLUSH_MS,
    maxMessageBytes: config.TESSERA_MAX_MESSAGE_BYTES,
    ...serviceTuning(config),
    console: {
      dir: consoleBuildDir,
      sessions: { idleMs: config.TESSERA_CONSOLE_IDLE_MS, absoluteMs: config.TESSERA_CONSOLE_SESSION_MS, maxSessions: 10_000 },
      origin: config.TESSERA_CONSOLE_ORIGIN,
      tls: config.TESSERA_TLS_CERT !== undefined,
    },
  });
}
