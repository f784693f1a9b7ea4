// The identity service assembled from its configuration: the one way `npm start`, the tests and
// the benchmarks build it, so none of them reassembles its options.
import { fileURLToPath } from "node:url";
import type { MongoClient } from "mongodb";
import type { Logger } from "pino";
import { join } from "node:path";
import type { Config } from "../../common/config.ts";
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
      sessions: {
        idleMs: config.TESSERA_CONSOLE_IDLE_MS,
        absoluteMs: config.TESSERA_CONSOLE_SESSION_MS,
        maxSessions: config.TESSERA_CONSOLE_MAX_SESSIONS,
        maxPerOrganization: config.TESSERA_CONSOLE_MAX_SESSIONS_PER_ORG,
        // A person signs in from a few browsers; more sessions of one token are one caller hoarding them.
        maxPerToken: 5,
      },
      signInsPerMinute: config.TESSERA_CONSOLE_SIGN_INS_PER_MINUTE,
      origin: config.TESSERA_CONSOLE_ORIGIN,
      tls: config.TESSERA_TLS_CERT !== undefined,
    },
  });
}

/** The verify cache, invalidation, failed-authentication, stream limit and background settings `build` takes. */
function serviceTuning(config: Config) {
  return {
    trustedProxies: config.TESSERA_TRUSTED_PROXIES,
    watchStreams: { total: config.TESSERA_MAX_WATCH_STREAMS, perClient: config.TESSERA_MAX_WATCH_STREAMS_PER_CLIENT },
    authFailures: { limit: config.TESSERA_AUTH_FAILURE_LIMIT, windowMs: config.TESSERA_AUTH_FAILURE_WINDOW_MS, maxKeys: 100_000 },
    cache: { maxEntries: config.TESSERA_VERIFY_CACHE_ENTRIES, ttlMs: config.TESSERA_VERIFY_CACHE_TTL_MS, negativeTtlMs: 5000 },
    oidc: {
      clockToleranceS: config.TESSERA_OIDC_CLOCK_SKEW_S,
      cacheMs: config.TESSERA_OIDC_KEYS_CACHE_MS,
      cooldownMs: config.TESSERA_OIDC_KEYS_COOLDOWN_MS,
      timeoutMs: 5000,
      maxIssuers: 1000,
      endpoints: { allowLoopbackHttp: config.TESSERA_OIDC_ALLOW_LOOPBACK_HTTP, allowPrivateAddresses: config.TESSERA_OIDC_ALLOW_PRIVATE_ADDRESSES },
    },
    webhooks: {
      keyFile: config.TESSERA_WEBHOOK_KEY_FILE ?? join(config.TESSERA_DATA_DIR, "webhook.key"),
      allowLoopbackHttp: config.TESSERA_WEBHOOK_ALLOW_LOOPBACK_HTTP,
      allowPrivateAddresses: config.TESSERA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
      scanMs: config.TESSERA_WEBHOOK_SCAN_MS,
      pollMs: config.TESSERA_WEBHOOK_POLL_MS,
      retryBaseMs: config.TESSERA_WEBHOOK_RETRY_BASE_MS,
      maxAttempts: config.TESSERA_WEBHOOK_MAX_ATTEMPTS,
    },
    leaks: {
      reportsPerMinute: config.TESSERA_LEAK_REPORTS_PER_MINUTE,
      github: { keysUrl: config.TESSERA_GITHUB_SCANNING_KEYS_URL, cacheMs: 3_600_000, cooldownMs: config.TESSERA_GITHUB_SCANNING_KEYS_COOLDOWN_MS },
    },
    outboxSweepMs: config.TESSERA_OUTBOX_SWEEP_MS,
    hygieneSweepMs: config.TESSERA_HYGIENE_SWEEP_MS,
    invalidation: { pollMs: config.TESSERA_INVALIDATION_POLL_MS, lookbackMs: Math.max(2000, 20 * config.TESSERA_INVALIDATION_POLL_MS) },
  };
}
