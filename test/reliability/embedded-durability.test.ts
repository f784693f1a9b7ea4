// The embedded database (mongo-java-server on an H2 file, what `npm start` uses) must keep every
// write it acknowledged when its process is killed (-9) at an arbitrary moment, and must keep its
// files private. Concurrent inserts and conditional findOneAndUpdates run until a few hundred are
// acknowledged; the engine is killed in the same tick as the last of them, while others are still
// in flight, then started again on the same file, where every acknowledged write must be found.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { startJavaServer } from "../../services/database/embedded-database.ts";

type Engine = Awaited<ReturnType<typeof startJavaServer>>;

const root = mkdtempSync(join(tmpdir(), "tessera-durable-"));
const dataDir = join(root, "db");
const engines: Engine[] = [];
const clients: MongoClient[] = [];

async function start(): Promise<{ engine: Engine; client: MongoClient }> {
  const engine = await startJavaServer(dataDir);
  engines.push(engine);
  const client = new MongoClient(engine.uri, { serverSelectionTimeoutMS: 2_000, maxPoolSize: 16 });
  clients.push(client);
  await client.connect();
  return { engine, client };
}

function killed(engine: Engine): Promise<void> {
  return new Promise((resolve) => {
    if (engine.child.exitCode !== null || engine.child.signalCode !== null) resolve();
    else engine.child.once("exit", () => resolve());
  });
}

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  for (const engine of engines) {
    if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill("SIGKILL");
    await killed(engine);
  }
  rmSync(root, { recursive: true, force: true });
});

describe("embedded database durability", () => {
  it("keeps every acknowledged write across kill -9, in private files", async () => {
    const first = await start();
    const tokens = first.client.db("durable").collection<{ _id: string; worker: number; revoked: boolean }>("tokens");
    const counters = first.client.db("durable").collection<{ _id: string; value: number }>("counters");
    const workers = 8;
    const target = 600;
    await counters.insertMany(Array.from({ length: workers }, (_, w) => ({ _id: `counter-${w}`, value: 0 })));

    const inserted: string[] = [];
    const revoked: string[] = [];
    // The last value each worker's counter was acknowledged at; each update is conditional on
    // the value before it, like a revocation conditional on the token not being revoked yet.
    const counted = new Array<number>(workers).fill(0);
    let acks = 0;
    let killedAt = 0;
    const acknowledged = () => {
      acks++;
      if (acks === target) {
        killedAt = acks;
        first.engine.child.kill("SIGKILL"); // in the same tick as this acknowledgement
      }
    };

    const worker = async (w: number) => {
      for (let i = 0; killedAt === 0; i++) {
        const id = `w${w}-${i}`;
        await tokens.insertOne({ _id: id, worker: w, revoked: false });
        inserted.push(id);
        acknowledged();
        if (killedAt) return;
        const next = counted[w]! + 1;
        const updated = await counters.findOneAndUpdate({ _id: `counter-${w}`, value: next - 1 }, { $set: { value: next } }, { returnDocument: "after" });
        expect(updated?.value, `counter-${w}`).toBe(next);
        counted[w] = next;
        acknowledged();
        if (killedAt || i % 2 === 1) continue;
        // Revoke the token inserted just before, only if it is not revoked yet.
        const revocation = await tokens.findOneAndUpdate({ _id: id, revoked: false }, { $set: { revoked: true } });
        expect(revocation?._id, id).toBe(id);
        revoked.push(id);
        acknowledged();
      }
    };
    // Writes in flight at the kill fail with a driver error; only acknowledged ones are recorded.
    const failedAfterKill = (error: Error) => {
      if (!killedAt || !error.name.startsWith("Mongo")) throw error;
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w).catch(failedAfterKill)));
    await killed(first.engine);
    expect(killedAt, "the engine was killed under load").toBe(target);
    expect(first.engine.child.signalCode).toBe("SIGKILL");
    await first.client.close();

    const second = await start();
    const db = second.client.db("durable");
    const found = new Map((await db.collection("tokens").find().toArray()).map((doc) => [String(doc._id), doc.revoked as boolean]));
    const missing = inserted.filter((id) => !found.has(id));
    expect(missing, `acknowledged inserts lost (${inserted.length} acknowledged)`).toEqual([]);
    const unrevoked = revoked.filter((id) => found.get(id) !== true);
    expect(unrevoked, `acknowledged revocations lost (${revoked.length} acknowledged)`).toEqual([]);
    const values = new Map((await db.collection("counters").find().toArray()).map((doc) => [String(doc._id), doc.value as number]));
    for (let w = 0; w < workers; w++) {
      // An update in flight at the kill may have been applied without being acknowledged.
      expect(values.get(`counter-${w}`), `counter-${w}`).toBeGreaterThanOrEqual(counted[w]!);
    }
    expect(inserted.length + revoked.length + counted.reduce((a, b) => a + b, 0)).toBe(acks);

    // Private: only the owner can read the data or reach the socket.
    expect(second.engine.socketPath, "listens on a Unix socket in the data folder").toBe(join(dataDir, "mongod.sock"));
    expect(statSync(dataDir).mode & 0o777, "data folder mode").toBe(0o700);
    const entries = readdirSync(dataDir);
    expect(entries).toContain("tessera.mv");
    for (const entry of entries) {
      expect(statSync(join(dataDir, entry)).mode & 0o777, `${entry} mode`).toBe(0o600);
    }

    await second.client.close();
    await second.engine.stop();
    expect(second.engine.child.exitCode, "a clean stop").toBe(0);
  }, 120_000);
});
