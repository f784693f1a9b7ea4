// One MongoDB client per process, on the configured database or the embedded default. While an
// embedded database runs, its address is written under the data folder so that `npm run
// bootstrap` can reach it from another process.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient, type Db } from "mongodb";
import { startDatabase, type Database } from "./embedded-database.ts";

export interface Connection {
  db: Db;
  client: MongoClient;
  engine: Database["engine"] | "running-embedded";
  close(): Promise<void>;
}

export interface ConnectOptions {
  uri: string | undefined;
  dbName: string;
  dataDir: string;
  log: (message: string) => void;
  /** Publish the embedded database's address for other processes (the main service does). */
  publish?: boolean;
  /** Use an embedded database another process published, if one is running. */
  reuseRunning?: boolean;
  /** Called with the client before it connects, e.g. to watch its pool. */
  beforeConnect?: (client: MongoClient) => void;
}

export async function connect(options: ConnectOptions): Promise<Connection> {
  const addressFile = join(options.dataDir, "database-uri");
  if (!options.uri && options.reuseRunning && existsSync(addressFile)) {
    const running = await tryConnect(readFileSync(addressFile, "utf8").trim());
    if (running) return { db: running.db(options.dbName), client: running, engine: "running-embedded", close: () => running.close() };
  }
  const database = options.uri
    ? { uri: options.uri, engine: "external" as const, stop: async () => {} }
    : await startDatabase({ dataDir: join(options.dataDir, "db"), log: options.log });
  const client = new MongoClient(database.uri, { minPoolSize: 2, maxPoolSize: 50, serverSelectionTimeoutMS: 10_000 });
  options.beforeConnect?.(client);
  try {
    await client.connect();
  } catch (error) {
    await database.stop();
    throw error;
  }
  if (options.publish && database.engine !== "external") writeFileSync(addressFile, database.uri, { mode: 0o600 });
  return {
    db: client.db(options.dbName),
    client,
    engine: database.engine,
    close: async () => {
      if (options.publish) rmSync(addressFile, { force: true });
      await client.close();
      await database.stop();
    },
  };
}

async function tryConnect(uri: string): Promise<MongoClient | undefined> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000 });
  try {
    await client.connect();
    return client;
  } catch {
    await client.close().catch(() => {});
    return undefined;
  }
}
