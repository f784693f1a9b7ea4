#!/usr/bin/env node
// The `tessera` command: runs the TypeScript CLI through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { run } = await import("./main.ts");
process.exit(await run(process.argv.slice(2)));
