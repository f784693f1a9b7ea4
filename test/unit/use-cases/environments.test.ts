// Environments over the memory store: environments.write (rule 8), unique names, and no deletion
// while a live account's binding or an active token uses the environment.
import { beforeEach, describe, expect, it } from "vitest";
import { createEnvironment, deleteEnvironment, listEnvironments } from "../../../services/identity/use-cases/environments.ts";
import { all, expectRefused, inEnv, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
});

const create = (who: Principal, name: string) => createEnvironment(world.deps, world.call(who.caller, "CreateEnvironment"), { name, description: "" });
const remove = (who: Principal, name: string) => deleteEnvironment(world.deps, world.call(who.caller, "DeleteEnvironment"), { name });

describe("environments", () => {
  it("creates one per name, with environments.write anywhere", async () => {
    await create(admin, "qa");
    expect(world.committed()).toEqual({ events: ["environment.create qa @0"], invalidations: [] });
    await expectRefused(create(admin, "qa"), "already_exists", "already_exists", "name");
    await expectRefused(create(admin, "QA!"), "invalid_argument", "invalid_argument", "name");
    await expectRefused(create(await world.principal("developer", [all("developer")]), "perf"), "permission_denied");
    expect(world.committed().events).toHaveLength(1);
  });

  it("refuses deleting an environment a live account is bound in, or an active token is scoped to", async () => {
    const bot = await world.principal("bot", [inEnv("developer", "staging"), inEnv("viewer", "dev")]);
    await expectRefused(remove(admin, "staging"), "failed_precondition", "environment_in_use");
    // Unbound from staging, the account still has a token scoped to it.
    await world.change(bot.account, { roleBindings: [inEnv("viewer", "dev")] });
    const scoped = await world.token(bot.account, { environments: ["staging"] });
    await expectRefused(remove(admin, "staging"), "failed_precondition", "environment_in_use");
    // A revoked token does not hold it.
    await world.store.tokens.revoke(world.org, scoped.token._id.toHexString(), "done", new Date(), world.entry());
    world.store.logs.clear();
    await remove(admin, "staging");
    expect(world.committed()).toEqual({ events: ["environment.delete staging @0"], invalidations: [] });
    await expectRefused(remove(admin, "staging"), "not_found");
  });

  it("lists by name, a page at a time", async () => {
    const list = (pageToken = "") => listEnvironments(world.deps, world.call(admin.caller, "ListEnvironments"), { pageSize: 2, pageToken });
    const first = await list();
    const second = await list(first.result.nextPageToken);
    expect([...first.result.environments, ...second.result.environments].map((e) => e.name)).toEqual(["dev", "prod", "staging"]);
    expect(second.result.nextPageToken).toBe("");
  });
});
