import { loadConfig, serviceTuning } from "../../services/identity/config.ts";

const defaults = serviceTuning(loadConfig({}));

/**
 * The production defaults (the verify cache is on), but with a failed-authentication limit high
 * enough for suites that fail on purpose from one address; the limit has a test of its own.
 */
export const testServiceTuning = { ...defaults, authFailures: { ...defaults.authFailures, limit: 1_000_000 } };
