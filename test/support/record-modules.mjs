// Preloaded with `node --import`: records every module the process resolves, ESM and CommonJS
// alike (the MongoDB driver is CommonJS), and on exit writes their URLs, one a line, to the file
// named by TESSERA_RECORD_MODULES. Tests use it to see what a command really loads.
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const resolved = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
process.on("exit", () => writeFileSync(process.env.TESSERA_RECORD_MODULES, [...resolved].join("\n")));
