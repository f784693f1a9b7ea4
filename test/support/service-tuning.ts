import { loadConfig, type Config } from "../../common/config.ts";

/**
 * The production defaults (the verify cache is on), but with a failed-authentication limit high
 * enough for suites that fail on purpose from one address (the limit has tests of its own), and
 * `overrides` (environment variable names and values).
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ TESSERA_AUTH_FAILURE_LIMIT: "1000000", ...overrides });
}
