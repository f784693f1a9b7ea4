// The cost of one invalidation with a full verify cache: 100,000 cached tokens of 10,000 accounts in
// 100 organisations; each timed invalidation is undone (the entry refilled) before the next. Runs
// in its own process (no database); prints one JSON result.
import { ObjectId } from "mongodb";
import { VerifyCache, type AuthToken, type LoadedAccount } from "../services/identity/auth/verify-cache.ts";

const tokensPerAccount = 10;
const accounts = 10_000;
const samples = 2000;
const cache = new VerifyCache({ maxEntries: 200_000, ttlMs: 3_600_000, negativeTtlMs: 5000 });
const loaded: LoadedAccount = { account: null, roles: [], grants: new Map() };
const accountTokens = Array.from({ length: accounts }, (_, a) => {
  const accountId = new ObjectId();
  return Array.from({ length: tokensPerAccount }, (_, t): [string, AuthToken] => [
    `hash-${a}-${t}`,
    { _id: new ObjectId(), org: `org-${a % 100}`, accountId, permissions: [], environments: [], audiences: [], expireTime: null, revokeTime: null },
  ]);
});
const fill = (tokens: [string, AuthToken][]) => {
  for (const [hash, token] of tokens) cache.fill(hash, token, cache.begin(), 0);
  cache.fillAccount(tokens[0]![1], loaded, cache.begin(), 0);
};
accountTokens.forEach(fill);

/** Microseconds per call of `invalidate`, median and p99 over `samples` calls on random accounts. */
function time(invalidate: (tokens: [string, AuthToken][]) => void): { p50Us: number; p99Us: number } {
  const us: number[] = [];
  for (let i = 0; i < samples; i++) {
    const tokens = accountTokens[Math.floor(Math.random() * accounts)]!;
    const start = process.hrtime.bigint();
    invalidate(tokens);
    us.push(Number(process.hrtime.bigint() - start) / 1000);
    fill(tokens);
  }
  us.sort((a, b) => a - b);
  return { p50Us: us[Math.floor(samples / 2)]!, p99Us: us[Math.floor(samples * 0.99)]! };
}

// A warm-up pass, so that the timed ones measure compiled code.
time((tokens) => cache.invalidateAccount(tokens[0]![1].accountId.toHexString()));
const account = time((tokens) => cache.invalidateAccount(tokens[0]![1].accountId.toHexString()));
const token = time((tokens) => cache.invalidateToken(tokens[0]![0]));
console.log(JSON.stringify({ entries: cache.size, accounts, account, token }));
