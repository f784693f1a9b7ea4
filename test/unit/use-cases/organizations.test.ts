// The organisation's token policy: org.write (rule 8), update masks, and a consistent policy.
import { beforeEach, describe, expect, it } from "vitest";
import { getOrganization, updateOrganization } from "../../../services/identity/use-cases/organizations.ts";
import { all, expectRefused, hours, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
});

type PolicyInput = Partial<Record<"maxTokenTtl" | "defaultTokenTtl" | "revokeUnusedAfter", ReturnType<typeof hours>>>;
const update = (who: Principal, tokenPolicy: PolicyInput, paths: string[]) =>
  updateOrganization(world.deps, world.call(who.caller, "UpdateOrganization"), { tokenPolicy, paths });

describe("organizations", () => {
  it("updates the paths named and commits organization.update", async () => {
    await update(admin, { maxTokenTtl: hours(48), defaultTokenTtl: hours(8) }, ["token_policy"]);
    const { result } = await update(admin, { maxTokenTtl: hours(24), defaultTokenTtl: hours(1) }, ["token_policy.max_token_ttl"]);
    expect(result.tokenPolicy).toEqual({ maxTtlMs: 24 * 3_600_000, defaultTtlMs: 8 * 3_600_000, revokeUnusedAfterMs: null });
    // "token_policy" sets all of it: an unset field is cleared.
    const cleared = await update(admin, { maxTokenTtl: hours(24) }, ["token_policy"]);
    expect(cleared.result.tokenPolicy).toEqual({ maxTtlMs: 24 * 3_600_000, defaultTtlMs: null, revokeUnusedAfterMs: null });
    expect((await getOrganization(world.deps, world.call(admin.caller, "GetOrganization"))).result.tokenPolicy.defaultTtlMs).toBeNull();
    expect(world.committed().events).toEqual(["organization.update acme @0", "organization.update acme @0", "organization.update acme @0"]);
  });

  it("refuses an inconsistent or malformed policy, naming the field", async () => {
    await expectRefused(
      update(admin, { maxTokenTtl: hours(1), defaultTokenTtl: hours(2) }, ["token_policy"]),
      "invalid_argument",
      "invalid_argument",
      "organization.token_policy.default_token_ttl",
    );
    await expectRefused(
      update(admin, { maxTokenTtl: hours(0) }, ["token_policy.max_token_ttl"]),
      "invalid_argument",
      "invalid_argument",
      "organization.token_policy.max_token_ttl",
    );
    await expectRefused(
      update(admin, { revokeUnusedAfter: hours(23) }, ["token_policy.revoke_unused_after"]),
      "invalid_argument",
      "invalid_argument",
      "organization.token_policy.revoke_unused_after",
    );
    await expectRefused(update(admin, {}, []), "invalid_argument", "invalid_argument", "update_mask");
    await expectRefused(update(admin, {}, ["name"]), "invalid_argument", "invalid_argument", "update_mask");
    expect(world.committed().events).toEqual([]);
  });

  it("needs org.write", async () => {
    const developer = await world.principal("developer", [all("developer")]);
    await expectRefused(update(developer, { maxTokenTtl: hours(1) }, ["token_policy"]), "permission_denied");
  });
});
