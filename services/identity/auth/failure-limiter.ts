// Counts failed authentications per key (the client's address, the presented token's
// fingerprint): past `limit` failures within `windowMs`, further failures of that key are answered
// RESOURCE_EXHAUSTED until the window ends. Only failures are ever refused: a valid credential
// passes whatever others did from the same address. Fixed windows, bounded in how many keys it
// remembers.
import { LRUCache } from "lru-cache";

export interface FailureLimiterOptions {
  /** Failures allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  maxKeys: number;
}

interface Window {
  start: number;
  failures: number;
}

export class FailureLimiter {
  /** Least recently failing keys are forgotten first (lru-cache: constant time however full). */
  private readonly windows: LRUCache<string, Window>;

  constructor(private readonly options: FailureLimiterOptions) {
    this.windows = new LRUCache({ max: Math.max(1, options.maxKeys) });
  }

  /** Counts a failure against each key; returns the milliseconds until the most limited key may fail again unthrottled (0: not limited). */
  fail(keys: readonly string[], now: number): number {
    if (this.options.limit === 0) return 0;
    let retryAfter = 0;
    for (const key of keys) {
      const window = this.count(key, now);
      if (window.failures > this.options.limit) retryAfter = Math.max(retryAfter, window.start + this.options.windowMs - now);
    }
    return retryAfter;
  }

  private count(key: string, now: number): Window {
    const window = this.windows.get(key);
    if (window && now - window.start < this.options.windowMs) {
      window.failures++;
      return window;
    }
    const fresh = { start: now, failures: 1 };
    this.windows.set(key, fresh);
    return fresh;
  }
}
