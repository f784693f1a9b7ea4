// Limits failed authentications per peer: after `limit` failures within `windowMs`, the peer is
// refused without a look-up until the window ends, so nobody can guess tokens at speed.
// Fixed windows per peer, bounded in how many peers it remembers.

export interface FailureLimiterOptions {
  /** Failures allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  maxPeers: number;
}

interface Window {
  start: number;
  failures: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: FailureLimiterOptions) {}

  /** Milliseconds until the peer may try again, or 0 when it may try now. */
  retryAfter(peer: string, now: number): number {
    if (this.options.limit === 0) return 0;
    const window = this.windows.get(peer);
    if (!window || now - window.start >= this.options.windowMs) return 0;
    return window.failures >= this.options.limit ? window.start + this.options.windowMs - now : 0;
  }

  fail(peer: string, now: number): void {
    if (this.options.limit === 0) return;
    const window = this.windows.get(peer);
    if (window && now - window.start < this.options.windowMs) {
      window.failures++;
      return;
    }
    this.windows.delete(peer);
    if (this.windows.size >= this.options.maxPeers) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(peer, { start: now, failures: 1 });
  }
}
