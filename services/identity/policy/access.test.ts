// The rules of docs/security.md ("The authorisation rules"), case by case, without a database.
import { describe, expect, it } from "vitest";
import { builtInRoles, grantsOf, narrow, type Binding, type Grants } from "../domain/permissions.ts";
import { IdentityError } from "../domain/errors.ts";
import { canSee, isFullAdmin, requireCreateAccount, requireOnAccount, requireWithin, widens, type Caller, type TargetAccount } from "./access.ts";

const roles = new Map(builtInRoles.map((r) => [r.name, r.permissions]));
const grants = (...bindings: Binding[]): Grants => grantsOf(bindings, (role) => roles.get(role));
const all = (role: string): Binding => ({ role, allEnvironments: true, environments: [] });
const inEnv = (role: string, ...environments: string[]): Binding => ({ role, allEnvironments: false, environments });

function caller(g: Grants, extra: Partial<Caller> = {}): Caller {
  return { org: "acme", accountId: "me", accountName: "me", tokenId: "t", roles: [], grants: g, audiences: [], tokenExpireTime: null, delegate: null, ...extra };
}
const target = (g: Grants, managers: Partial<TargetAccount> = {}): TargetAccount => ({ accountId: "target", grants: g, managerAccountIds: [], managerRoles: [], ...managers });

/** The reason a check refuses with, or "ok". */
function outcome(check: () => void): string {
  try {
    check();
    return "ok";
  } catch (error) {
    if (error instanceof IdentityError) return error.reason;
    throw error;
  }
}

describe("policy", () => {
  it("rule 1: a token acts only through the permissions it carries", () => {
    const narrowed = caller(narrow(grants(all("admin")), ["accounts.read"], []));
    const viewer = target(grants(all("viewer")));
    expect(outcome(() => requireOnAccount(narrowed, "accounts.read", viewer, "read"))).toBe("ok");
    expect(outcome(() => requireOnAccount(narrowed, "accounts.write", viewer, "change"))).toBe("permission_denied");
    // A manager without the permission in its token gets nothing from the designation.
    const manager = caller(grants(all("viewer")), { accountId: "lead" });
    expect(outcome(() => requireOnAccount(manager, "tokens.write", target(grants(), { managerAccountIds: ["lead"] }), "change"))).toBe(
      "permission_denied",
    );
  });

  it("rule 2: a permission held in some environments reaches only accounts within them", () => {
    const staging = caller(grants(inEnv("developer", "staging")));
    expect(outcome(() => requireOnAccount(staging, "accounts.write", target(grants(inEnv("viewer", "staging"))), "change"))).toBe("ok");
    expect(outcome(() => requireOnAccount(staging, "accounts.write", target(grants(inEnv("viewer", "production"))), "change"))).toBe(
      "environment_denied",
    );
    expect(outcome(() => requireOnAccount(staging, "accounts.read", target(grants(all("viewer"))), "read"))).toBe("environment_denied");
    expect(canSee(staging, target(grants(inEnv("viewer", "staging", "production"))))).toBe(false);
    expect(canSee(staging, target(grants()))).toBe(true);
  });

  it("rule 3: no acting on superiors, unless designated as a manager (by account or role)", () => {
    const dev = caller(grants(all("developer")), { roles: ["developer"] });
    const admin = target(grants(all("admin")));
    expect(outcome(() => requireOnAccount(dev, "tokens.write", admin, "change"))).toBe("superior");
    expect(outcome(() => requireOnAccount(dev, "accounts.read", admin, "read"))).toBe("ok");
    expect(outcome(() => requireOnAccount(dev, "tokens.write", target(admin.grants, { managerAccountIds: ["me"] }), "change"))).toBe("ok");
    expect(outcome(() => requireOnAccount(dev, "tokens.write", target(admin.grants, { managerRoles: ["developer"] }), "change"))).toBe("ok");
  });

  it("rule 3: nobody manages its own account, so a narrowed token gets nothing more from a designation", () => {
    const narrowed = caller(narrow(grants(all("developer")), ["tokens.write"], []), { accountId: "me", roles: ["developer"] });
    const own = target(grants(all("developer")), { accountId: "me", managerAccountIds: ["me"], managerRoles: ["developer"] });
    expect(outcome(() => requireOnAccount(narrowed, "tokens.write", own, "change"))).toBe("superior");
  });

  it("rule 4: nobody hands out access they lack, and a new account is bounded like any other", () => {
    const dev = caller(grants(all("developer")));
    expect(outcome(() => requireWithin(dev, grants(all("admin")), "this"))).toBe("escalation");
    expect(outcome(() => requireWithin(dev, grants(inEnv("viewer", "production")), "this"))).toBe("ok");
    const staging = caller(grants(inEnv("developer", "staging")));
    expect(outcome(() => requireCreateAccount(staging, grants(inEnv("viewer", "production"))))).toBe("environment_denied");
    expect(widens(grants(all("viewer")), grants(all("developer")))).toBe(true);
    expect(widens(grants(all("developer")), grants(all("viewer")))).toBe(false);
  });

  it("rule 7: only an admin binding in all environments makes a full admin", () => {
    expect(isFullAdmin([all("admin")])).toBe(true);
    expect(isFullAdmin([inEnv("admin", "staging")])).toBe(false);
    expect(isFullAdmin([all("developer")])).toBe(false);
  });
});
