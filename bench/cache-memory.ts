// Memory per verify-cache entry: loads real tokens through the authenticator's cache path and
// compares the heap before and after (run with --expose-gc).
import { readFileSync } from "node:fs";
import { MongoClient } from "mongodb";
import pino from "pino";
import { createApp } from "../services/identity/app.ts";
import { loadConfig } from "../common/config.ts";

const count = Number(process.env.ENTRIES ?? 20_000);
const mongo = await new MongoClient(process.env.MONGODB_URI!).connect();
const config = loadConfig({ ...process.env, TESSERA_USAGE_FLUSH_MS: "600000", TESSERA_VERIFY_CACHE_ENTRIES: String(count * 2) });
const identity = await createApp(config, { mongo, log: pino({ level: "silent" }) });
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
