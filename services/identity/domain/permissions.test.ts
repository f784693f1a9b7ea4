import { describe, expect, it } from "vitest";
import { builtInRoles, excess, grantsOf, holds, holdsIn, narrow, reach, type Binding } from "./permissions.ts";

const roles = new Map<string, string[]>([
  ...builtInRoles.map((r) => [r.name, r.permissions] as [string, string[]]),
  ["deployer", ["deploy:write", "accounts.read"]],
]);
const lookup = (role: string) => roles.get(role);
const bind = (role: string, environments: string[] | "all"): Binding =>
  environments === "all" ? { role, allEnvironments: true, environments: [] } : { role, allEnvironments: false, environments };

describe("grants", () => {
  it("add up role bindings, environment by environment", () => {
    const grants = grantsOf([bind("deployer", ["staging"]), bind("deployer", ["production"]), bind("viewer", "all")], lookup);
    expect(holdsIn(grants, "deploy:write", "staging")).toBe(true);
    expect(holdsIn(grants, "deploy:write", "production")).toBe(true);
    expect(holdsIn(grants, "deploy:write", "qa")).toBe(false);
    expect(holdsIn(grants, "accounts.read", "qa")).toBe(true);
    expect(holds(grants, "audit.read")).toBe(false);
  });

  it("let the wildcard stand for every permission where it is bound", () => {
    const grants = grantsOf([bind("admin", ["production"])], lookup);
    expect(holdsIn(grants, "anything:at-all", "production")).toBe(true);
    expect(holdsIn(grants, "anything:at-all", "staging")).toBe(false);
  });

  it("ignore unknown roles", () => {
    expect(grantsOf([bind("ghost", "all")], lookup).size).toBe(0);
  });
});

describe("token narrowing", () => {
  const account = grantsOf([bind("deployer", ["staging", "production"]), bind("viewer", "all")], lookup);

  it("keeps the account's grants when the token names nothing", () => {
    expect(narrow(account, [], [])).toEqual(account);
  });

  it("intersects permissions and environments, never widening", () => {
    const token = narrow(account, ["deploy:write", "audit.read"], ["staging", "qa"]);
    expect([...token.keys()]).toEqual(["deploy:write"]);
    expect(holdsIn(token, "deploy:write", "staging")).toBe(true);
    expect(holdsIn(token, "deploy:write", "production")).toBe(false);
    expect(reach(token)).toEqual({ all: false, environments: new Set(["staging"]) });
  });

  it("turns a wildcard into the named permissions", () => {
    const admin = grantsOf([bind("admin", "all")], lookup);
    const token = narrow(admin, ["deploy:write"], []);
    expect([...token.keys()]).toEqual(["deploy:write"]);
    expect(holds(token, "accounts.write")).toBe(false);
  });
});

describe("escalation", () => {
  const developer = grantsOf([bind("developer", "all")], lookup);

  it("finds nothing in excess when the caller holds it all", () => {
    expect(excess(developer, grantsOf([bind("viewer", ["production"])], lookup))).toEqual([]);
  });

  it("names what the caller lacks, with its environments", () => {
    expect(excess(developer, grantsOf([bind("admin", "all")], lookup))).toEqual(["* (all environments)"]);
    const scoped = grantsOf([bind("developer", ["staging"])], lookup);
    expect(excess(scoped, grantsOf([bind("viewer", "all")], lookup))).toEqual(["accounts.read (all environments)"]);
    expect(excess(scoped, grantsOf([bind("viewer", ["staging", "production"])], lookup))).toEqual(["accounts.read in production, staging"]);
  });

  it("lets an admin hand out anything", () => {
    const admin = grantsOf([bind("admin", "all")], lookup);
    expect(excess(admin, grantsOf([bind("deployer", "all"), bind("admin", "all")], lookup))).toEqual([]);
  });
});
