import { loadConfig, verifyCacheOptions } from "../../services/identity/config.ts";

/** The production defaults: tests run with the verify cache on. */
export const testCacheOptions = verifyCacheOptions(loadConfig({}));
