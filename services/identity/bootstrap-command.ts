// `npm run bootstrap -- --org acme` (also `tessera bootstrap`): creates an organisation with its
// first admin account and prints the admin token once, as JSON on stdout. Refuses when the
// organisation exists. Talks to the database directly: MONGODB_URI, or the embedded database.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "../database/connect.ts";
import { ConfigError } from "../../common/env.ts";
import { bootstrapOrganization, issueCredential, type IssuedCredential } from "./use-cases/bootstrap.ts";
import { loadConfig } from "../../common/config.ts";
import { IdentityError } from "./domain/errors.ts";
import * as valid from "./domain/validation.ts";
import { openStore } from "./store/store.ts";

export interface BootstrapOptions {
  org: string;
  adminName: string;
  maxTokenTtlDays?: number;
  /** Also issue the MCP server's credential (role mcp-delegate) and write it here, mode 0600. */
  mcpCredentialFile?: string;
  /** Succeed without output when the organisation exists (for one-shot deployment jobs). */
  ifMissing?: boolean;
}

/** The admin's credential, or undefined when `ifMissing` and the organisation exists. */
export async function runBootstrap(options: BootstrapOptions): Promise<IssuedCredential | undefined> {
  const config = loadConfig();
  const org = valid.name("--org", options.org);
  const adminName = valid.name("--admin-name", options.adminName);
  const connection = await connect({
    uri: config.MONGODB_URI,
    dbName: config.TESSERA_DB_NAME,
    dataDir: resolve(config.TESSERA_DATA_DIR),
    log: (message) => console.error(message),
    reuseRunning: true,
  });
  try {
    const store = await openStore(connection.db);
    if (options.ifMissing && (await store.organizations.find(org))) return undefined;
    const maxTtlMs = options.maxTokenTtlDays ? options.maxTokenTtlDays * 86_400_000 : null;
    const admin = await bootstrapOrganization(store, {
      org,
      adminName,
      tokenPrefix: config.TESSERA_TOKEN_PREFIX,
      tokenPolicy: { maxTtlMs, defaultTtlMs: null },
      channel: "cli",
    });
    if (options.mcpCredentialFile) {
      const mcp = await issueCredential(store, {
        org,
        name: "mcp-server",
        description: "The MCP server: verifies callers and acts for them, never wider",
        role: "mcp-delegate",
        tokenPrefix: config.TESSERA_TOKEN_PREFIX,
        channel: "cli",
      });
      writeFileSync(options.mcpCredentialFile, `${mcp.token}\n`, { mode: 0o600 });
    }
    return admin;
  } finally {
    await connection.close();
  }
}

export function parseTtlDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,4}$/.test(value)) throw new ConfigError("--max-token-ttl-days must be a whole number of days");
  return Number(value);
}

/** Exit code of a failed bootstrap: 6 when the organisation exists, 2 for bad input, else 1. */
export function bootstrapExitCode(error: unknown): number {
  if (error instanceof IdentityError && error.code === "already_exists") return 6;
  if (error instanceof IdentityError || error instanceof ConfigError) return 2;
  return 1;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      org: { type: "string" },
      "admin-name": { type: "string", default: "admin" },
      "max-token-ttl-days": { type: "string" },
      "mcp-credential-file": { type: "string" },
      "if-missing": { type: "boolean", default: false },
    },
  });
  if (!values.org) {
    throw new ConfigError(
      "usage: npm run bootstrap -- --org <name> [--admin-name admin] [--max-token-ttl-days N] [--mcp-credential-file F] [--if-missing]",
    );
  }
  const result = await runBootstrap({
    org: values.org,
    adminName: values["admin-name"]!,
    maxTokenTtlDays: parseTtlDays(values["max-token-ttl-days"]),
    mcpCredentialFile: values["mcp-credential-file"],
    ifMissing: values["if-missing"],
  });
  if (result) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else console.error(`bootstrap: organisation "${values.org}" exists; nothing to do`);
}

if (import.meta.main) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const code = bootstrapExitCode(error);
      console.error(code === 1 ? error : `bootstrap: ${(error as Error).message}`);
      process.exit(code);
    },
  );
}
