// Starts one real MongoDB-wire database for the whole run (the same helper `npm start` uses), and
// builds the web console once before any file runs, as `npm start` would: test files that serve it
// or run `npm start` in parallel then never build it at the same time.
import type { TestProject } from "vitest/node";
import { buildConsoleIfStale } from "../../console/build.ts";
import { startDatabase } from "../../services/database/embedded-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject) {
  await buildConsoleIfStale();
  const database = await startDatabase({ log: (message) => console.log(message) });
  project.provide("mongoUri", database.uri);
  return () => database.stop();
}
