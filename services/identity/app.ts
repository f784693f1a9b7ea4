// The identity service assembled from its configuration: the one way `npm start`, the tests and
// the benchmarks build it, so none of them reassembles its options.
import type { MongoClient } from "mongodb";
import type { Logger } from "pino";
import { serviceTuning, type Config } from "./config.ts";
import { Metrics } from "./rpc/metrics.ts";
import { build, type IdentityService } from "./rpc/server.ts";

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
  });
}
