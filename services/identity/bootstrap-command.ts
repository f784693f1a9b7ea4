// `npm run bootstrap -- --org acme`: creates an organisation with its first admin account and
// prints the admin token once, as JSON on stdout. Refuses when the organisation exists.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "../database/connect.ts";
import { bootstrapOrganization } from "./bootstrap.ts";
import { loadConfig } from "./config.ts";
import { ConfigError } from "../shared/env.ts";
import { IdentityError } from "./domain/errors.ts";
import * as valid from "./domain/validation.ts";
import { openStore } from "./store/store.ts";

const usage = "usage: npm run bootstrap -- --org <name> [--admin-name admin] [--max-token-ttl-days N]";

async function main(): Promise<number> {
  const config = loadConfig();
  const { values } = parseArgs({
    options: {
      org: { type: "string" },
      "admin-name": { type: "string", default: "admin" },
      "max-token-ttl-days": { type: "string" },
    },
  });
  if (!values.org) {
    console.error(usage);
    return 2;
  }
  const org = valid.name("--org", values.org);
  const adminName = valid.name("--admin-name", values["admin-name"]!);
  const days = values["max-token-ttl-days"];
  if (days !== undefined && !/^[1-9][0-9]{0,4}$/.test(days)) throw new ConfigError("--max-token-ttl-days must be a whole number of days");
  const connection = await connect({
    uri: config.MONGODB_URI,
    dbName: config.TESSERA_DB_NAME,
    dataDir: resolve(config.TESSERA_DATA_DIR),
    log: (message) => console.error(message),
    reuseRunning: true,
  });
  try {
    const store = await openStore(connection.db);
    const maxTtlMs = days ? Number(days) * 86_400_000 : null;
    const result = await bootstrapOrganization(store, {
      org,
      adminName,
      tokenPrefix: config.TESSERA_TOKEN_PREFIX,
      tokenPolicy: { maxTtlMs, defaultTtlMs: null },
      channel: "cli",
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof IdentityError || error instanceof ConfigError) {
      console.error(`bootstrap: ${error.message}`);
      process.exit(error instanceof IdentityError && error.code === "already_exists" ? 6 : 2);
    }
    console.error(error);
    process.exit(1);
  },
);
