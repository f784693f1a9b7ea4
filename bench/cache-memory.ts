// Memory per verify-cache entry: loads real tokens through the authenticator's cache path and
// compares the heap before and after (run with --expose-gc).
import { readFileSync } from "node:fs";
import { MongoClient } from "mongodb";
import pino from "pino";
import { Metrics } from "../services/identity/server/metrics.ts";
import { build } from "../services/identity/server/server.ts";
import { testServiceTuning } from "../test/support/service-tuning.ts";

const count = Number(process.env.ENTRIES ?? 20_000);
const mongo = await new MongoClient(process.env.MONGODB_URI!).connect();
const identity = await build({
  mongo,
  dbName: process.env.TESSERA_DB_NAME!,
  log: pino({ level: "silent" }),
  tokenPrefix: "tsr",
  apiAudience: "tessera",
  usageFlushMs: 600_000,
  maxMessageBytes: 1 << 20,
  metrics: new Metrics(),
  ...testServiceTuning,
  cache: { ...testServiceTuning.cache, maxEntries: count * 2 },
});
const secrets: string[] = JSON.parse(readFileSync(process.env.SECRETS_FILE!, "utf8"));
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const before = process.memoryUsage().heapUsed;
let verified = 0;
for (const secret of secrets.slice(0, count)) {
  await identity.authenticator.verify(secret, new Date()).then(() => verified++, () => {});
}
// Writes pending usage records, so that only the cache is left holding memory.
await identity.close();
gc();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ entries: identity.cache.size, verified, bytesPerEntry: Math.round((after - before) / identity.cache.size) }));
await mongo.close();
