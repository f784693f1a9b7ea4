// Starts one real MongoDB-wire database for the whole run (the same helper `npm start` uses).
import type { TestProject } from "vitest/node";
import { startDatabase } from "../../services/database/embedded-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject) {
  const database = await startDatabase({ log: (message) => console.log(message) });
  project.provide("mongoUri", database.uri);
  return () => database.stop();
}
