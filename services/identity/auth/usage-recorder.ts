// Records when tokens and accounts were last used, and how often per hour, without a database
// write on the request path: uses are collected in memory and flushed in one bulk write per
// collection every interval, so a burst of requests costs one write per token per interval.
import type { ObjectId } from "mongodb";
import type { Store } from "../store/store.ts";
import type { UsageDoc } from "../store/usage-repository.ts";

interface Use {
  id: ObjectId;
  time: Date;
}

/** What a use is recorded by: the token as read, and its id and its account's id in hex. */
export interface UsedToken {
  token: { _id: ObjectId; accountId: ObjectId };
  tokenId: string;
  accountId: string;
}

/** The latest use by key, updated in place while pending. */
function remember(uses: Map<string, Use>, key: string, id: ObjectId, time: Date): void {
  const use = uses.get(key);
  if (use) use.time = time;
  else uses.set(key, { id, time });
}

export class UsageRecorder {
  private tokens = new Map<string, Use>();
  private accounts = new Map<string, Use>();
  /** Use counts by hour, then by token (hex id): nothing is built per call to find a count. */
  private counts = new Map<number, Map<string, UsageDoc>>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** A use of a token (ids as hex too: they key the pending records without converting per call). */
  record(used: UsedToken, time: Date): void {
    remember(this.tokens, used.tokenId, used.token._id, time);
    remember(this.accounts, used.accountId, used.token.accountId, time);
    const hour = startOfHour(time);
    let counts = this.counts.get(hour);
    if (!counts) this.counts.set(hour, (counts = new Map()));
    const count = counts.get(used.tokenId);
    if (count) count.count++;
    else counts.set(used.tokenId, { tokenId: used.token._id, hour: new Date(hour), count: 1 });
  }

  /** Writes what was recorded so far; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const tokens = [...this.tokens.values()];
      const accounts = [...this.accounts.values()];
      const counts = [...this.counts.values()].flatMap((byToken) => [...byToken.values()]);
      this.tokens = new Map();
      this.accounts = new Map();
      this.counts = new Map();
      try {
        await Promise.all([
          this.store.tokens.recordUse(tokens),
          this.store.accounts.recordUse(accounts),
          this.store.usage.add(counts),
        ]);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function startOfHour(time: Date): number {
  return Math.floor(time.getTime() / 3_600_000) * 3_600_000;
}
