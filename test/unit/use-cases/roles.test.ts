// Custom roles over the memory store: built-in roles are immutable, changing a role needs all of
// its permissions everywhere (rule 8), widening ends manager designations (rule 4), a bound role stays.
import { beforeEach, describe, expect, it } from "vitest";
import { createRole, deleteRole, listRoles, updateRole, type RoleFields } from "../../../services/identity/use-cases/roles.ts";
import { all, expectRefused, inEnv, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
});

const role = (name: string, permissions: string[], description = ""): RoleFields => ({ name, description, permissions });
const create = (who: Principal, fields: RoleFields) => createRole(world.deps, world.call(who.caller, "CreateRole"), fields);
const update = (who: Principal, fields: RoleFields, paths = ["permissions"]) => updateRole(world.deps, world.call(who.caller, "UpdateRole"), { role: fields, paths });
const remove = (who: Principal, name: string) => deleteRole(world.deps, world.call(who.caller, "DeleteRole"), { name });

describe("roles", () => {
  it("creates a custom role (no invalidation) and refuses its name twice, and built-in names", async () => {
    const { result } = await create(admin, role("deployer", ["deploy:write", "accounts.read"]));
    expect(result).toMatchObject({ org: world.org, name: "deployer", permissions: ["deploy:write", "accounts.read"] });
    expect(world.committed()).toEqual({ events: ["role.create deployer @0"], invalidations: [] });
    await expectRefused(create(admin, role("deployer", ["deploy:read"])), "already_exists", "already_exists", "name");
    await expectRefused(create(admin, role("viewer", ["deploy:read"])), "already_exists", "already_exists", "name");
    await expectRefused(create(admin, role("bad", ["accounts.own"])), "invalid_argument", "invalid_argument", "permissions[0]");
    await expectRefused(create(admin, role("empty", [])), "invalid_argument", "invalid_argument", "permissions");
  });

  it("needs roles.write and every permission of the role in all environments (rule 8)", async () => {
    await expectRefused(create(await world.principal("developer", [all("developer")]), role("ops", ["deploy:write"])), "permission_denied");
    await world.role("writer", ["roles.write", "accounts.read"]);
    const writer = await world.principal("writer", [all("writer")]);
    await expectRefused(create(writer, role("ops", ["audit.read"])), "permission_denied", "escalation");
    // The permission held in one environment only is not enough: a role may be bound anywhere.
    const devAdmin = await world.principal("dev-admin", [inEnv("admin", "dev")]);
    await expectRefused(create(devAdmin, role("ops", ["deploy:write"])), "permission_denied", "escalation");
    await create(writer, role("ops", ["accounts.read"]));
  });

  it("never changes or deletes a built-in role", async () => {
    await expectRefused(update(admin, role("admin", ["accounts.read"])), "failed_precondition", "built_in_role");
    await expectRefused(remove(admin, "viewer"), "failed_precondition", "built_in_role");
    expect(world.committed().events).toEqual([]);
  });

  it("creating a role ends the designations of accounts still bound to a deleted role of that name", async () => {
    // A binding that raced the role's deletion leaves the account bound to a name that grants nothing.
    const lead = await world.principal("lead", [all("developer")]);
    const dangling = await world.principal("dangling", [all("ghost")], { extra: { managerAccountIds: [lead.caller.accountId] } });
    await create(admin, role("ghost", ["audit.read"]));
    expect(await world.store.accounts.find(world.org, dangling.account._id.toHexString())).toMatchObject({ managerAccountIds: [], managerRoles: [] });
  });

  it("widening a role ends the manager designations of accounts bound to it, and invalidates the organisation", async () => {
    await world.role("reader", ["accounts.read"]);
    const lead = await world.principal("lead", [all("developer")]);
    const bound = await world.principal("bound", [inEnv("reader", "dev")], { extra: { managerAccountIds: [lead.caller.accountId] } });
    const other = await world.principal("other", [inEnv("viewer", "dev")], { extra: { managerAccountIds: [lead.caller.accountId] } });
    // Narrower or equal: designations stay.
    await update(admin, role("reader", ["accounts.read"], "same"), ["description"]);
    expect(await world.store.accounts.find(world.org, bound.account._id.toHexString())).toMatchObject({ managerAccountIds: [lead.caller.accountId] });
    const { result } = await update(admin, role("reader", ["accounts.read", "audit.read"]));
    expect(result.permissions).toEqual(["accounts.read", "audit.read"]);
    expect(await world.store.accounts.find(world.org, bound.account._id.toHexString())).toMatchObject({ managerAccountIds: [], version: 2 });
    expect(await world.store.accounts.find(world.org, other.account._id.toHexString())).toMatchObject({ managerAccountIds: [lead.caller.accountId] });
    expect(world.committed()).toEqual({ events: ["role.update reader @0", "role.update reader @0"], invalidations: [`organization:${world.org}`] });
  });

  it("refuses deleting a role bound to an account or named as a manager role, then deletes it", async () => {
    await world.role("reader", ["accounts.read"]);
    const bound = await world.principal("bound", [inEnv("reader", "dev")]);
    await expectRefused(remove(admin, "reader"), "failed_precondition", "role_in_use");
    await world.change(bound.account, { roleBindings: [], managerRoles: ["reader"] });
    await expectRefused(remove(admin, "reader"), "failed_precondition", "role_in_use");
    await world.change(bound.account, { managerRoles: [] });
    await remove(admin, "reader");
    expect(world.committed()).toEqual({ events: ["role.delete reader @0"], invalidations: [`organization:${world.org}`] });
    await expectRefused(remove(admin, "reader"), "not_found");
  });

  it("lists built-in and custom roles by name, a page at a time", async () => {
    await world.role("auditor", ["audit.read"]);
    const list = (pageToken = "") => listRoles(world.deps, world.call(admin.caller, "ListRoles"), { pageSize: 4, pageToken });
    const first = await list();
    const second = await list(first.result.nextPageToken);
    const names = [...first.result.roles, ...second.result.roles].map((r) => ("builtIn" in r ? r.builtIn.name : r.custom.name));
    expect(names).toEqual(["admin", "auditor", "developer", "mcp-delegate", "security-analyst", "verifier", "viewer"]);
    expect(second.result.nextPageToken).toBe("");
  });
});
