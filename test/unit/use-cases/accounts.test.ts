// Service-account use cases over the memory store: effects committed, names, etags, and rules 1-4,
// 7 and 10 of docs/security.md.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiAccountId } from "../../../client/ids.ts";
import type { Binding } from "../../../services/identity/domain/permissions.ts";
import {
  createAccount,
  deleteAccount,
  disableAccount,
  enableAccount,
  getAccount,
  listAccounts,
  updateAccount,
  type AccountFields,
} from "../../../services/identity/use-cases/accounts.ts";
import { all, expectRefused, inEnv, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
});

const fields = (extra: Partial<AccountFields> = {}): AccountFields => ({
  displayName: "",
  description: "",
  owner: "",
  roleBindings: [],
  managerAccountIds: [],
  managerRoles: [],
  ...extra,
});
const create = (who: Principal, name: string, extra: Partial<AccountFields> = {}) =>
  createAccount(world.deps, world.call(who.caller, "CreateServiceAccount"), { name, ...fields(extra) });
const idOf = (p: Principal) => apiAccountId(p.account._id);
/** UpdateServiceAccount of `target` by `who`, changing the fields `paths` names. */
const update = (who: Principal, target: Principal, paths: string[], extra: Partial<AccountFields> = {}, etag = "") =>
  updateAccount(world.deps, world.call(who.caller, "UpdateServiceAccount"), {
    serviceAccount: { id: idOf(target), etag, ...fields(extra) },
    paths,
  });
const rebind = (who: Principal, target: Principal, roleBindings: Binding[]) => update(who, target, ["role_bindings"], { roleBindings });

describe("createAccount", () => {
  it("stores the account and commits service_account.create, invalidating nothing", async () => {
    const { result } = await create(admin, "deployer", { roleBindings: [inEnv("developer", "dev")], owner: "team-a" });
    const id = apiAccountId(result.account._id);
    expect(result).toMatchObject({ activeTokenCount: 0, account: { name: "deployer", nameKey: "deployer", status: "active", version: 1 } });
    expect(await world.store.accounts.findByName(world.org, "deployer")).toMatchObject({ owner: "team-a" });
    expect(world.committed()).toEqual({ events: [`service_account.create ${id} @1`], invalidations: [] });
  });

  it("refuses a name in use, and frees the name of a deleted account", async () => {
    const first = await create(admin, "deployer");
    await expectRefused(create(admin, "deployer"), "already_exists", "already_exists", "name");
    await deleteAccount(world.deps, world.call(admin.caller, "DeleteServiceAccount"), apiAccountId(first.result.account._id));
    await create(admin, "deployer");
  });

  it("names the binding at fault: an unknown role or environment", async () => {
    await expectRefused(create(admin, "bot", { roleBindings: [all("viewer"), all("wizard")] }), "invalid_argument", "invalid_argument", "role_bindings[1].role");
    await expectRefused(create(admin, "bot", { roleBindings: [inEnv("viewer", "moon")] }), "invalid_argument", "invalid_argument", "role_bindings");
  });

  it("refuses bindings wider than the caller's (rule 4) or beyond its environments (rule 2)", async () => {
    const developer = await world.principal("developer", [all("developer")]);
    // security-analyst carries audit.read, which a developer does not hold.
    await expectRefused(create(developer, "snoop", { roleBindings: [all("security-analyst")] }), "permission_denied", "escalation");
    const devOnly = await world.principal("dev-only", [inEnv("developer", "dev")]);
    await expectRefused(create(devOnly, "prod-bot", { roleBindings: [inEnv("viewer", "prod")] }), "permission_denied", "environment_denied");
    await expectRefused(create(await world.principal("viewer", [all("viewer")]), "bot"), "permission_denied");
    expect(world.committed().events).toEqual([]);
  });
});

describe("updateAccount", () => {
  it("checks the etag: a stale one is ABORTED etag_mismatch, a malformed one names the field", async () => {
    const bot = await world.principal("bot", [inEnv("viewer", "dev")]);
    const { result } = await update(admin, bot, ["description"], { description: "v2" }, "1");
    expect(result.account).toMatchObject({ description: "v2", version: 2 });
    await expectRefused(update(admin, bot, ["description"], { description: "v3" }, "1"), "aborted", "etag_mismatch");
    await expectRefused(update(admin, bot, ["description"], {}, "abc"), "invalid_argument", "invalid_argument", "service_account.etag");
    await expectRefused(update(admin, bot, ["name"]), "invalid_argument", "invalid_argument", "update_mask");
    // Only a change of bindings invalidates what the account's tokens verify as.
    expect(world.committed()).toEqual({ events: [`service_account.update ${idOf(bot)} @2`], invalidations: [] });
  });

  it("clears managers when bindings widen without naming them, and keeps them when they narrow (rule 4)", async () => {
    const lead = await world.principal("lead", [all("developer")]);
    const bot = await world.principal("bot", [inEnv("viewer", "dev"), inEnv("viewer", "prod")], {
      extra: { managerAccountIds: [lead.account._id.toHexString()], managerRoles: ["developer"] },
    });
    const narrowed = await rebind(admin, bot, [inEnv("viewer", "dev")]);
    expect(narrowed.result.account).toMatchObject({ managerAccountIds: [lead.account._id.toHexString()], managerRoles: ["developer"] });
    const widened = await rebind(admin, bot, [inEnv("developer", "dev")]);
    expect(widened.result.account).toMatchObject({ managerAccountIds: [], managerRoles: [] });
    const hex = bot.account._id.toHexString();
    expect(world.committed().invalidations).toEqual([`account:${hex}`, `account:${hex}`]);
  });

  it("refuses acting on a superior (rule 3) unless designated its manager", async () => {
    const developer = await world.principal("developer", [all("developer")]);
    const analyst = await world.principal("analyst", [all("security-analyst")]);
    await expectRefused(update(developer, analyst, ["description"], { description: "x" }), "permission_denied", "superior");
    const managed = await world.principal("managed", [all("security-analyst")], { extra: { managerAccountIds: [developer.caller.accountId] } });
    await update(developer, managed, ["description"], { description: "x" });
    // A manager still cannot designate managers of a superior, nor widen it (rule 4).
    await expectRefused(update(developer, managed, ["manager_roles"], { managerRoles: ["viewer"] }), "permission_denied", "escalation");
    await expectRefused(rebind(developer, managed, [all("admin")]), "permission_denied", "escalation");
  });

  it("keeps the last full admin (rule 7)", async () => {
    await expectRefused(rebind(admin, admin, [all("developer")]), "failed_precondition", "last_admin");
    await expectRefused(rebind(admin, admin, [inEnv("admin", "dev")]), "failed_precondition", "last_admin");
    await world.principal("second", [all("admin")]);
    await rebind(admin, admin, [all("developer")]);
  });
});

describe("disable, enable, delete", () => {
  const disable = (who: Principal, target: Principal) => disableAccount(world.deps, world.call(who.caller, "DisableServiceAccount"), idOf(target));
  const remove = (who: Principal, target: Principal) => deleteAccount(world.deps, world.call(who.caller, "DeleteServiceAccount"), idOf(target));

  it("disables once: the change invalidates the account, a repeat commits nothing", async () => {
    const bot = await world.principal("bot", [inEnv("viewer", "dev")]);
    const { result } = await disable(admin, bot);
    expect(result.account).toMatchObject({ status: "disabled", version: 2 });
    const hex = bot.account._id.toHexString();
    expect(world.committed()).toEqual({ events: [`service_account.disable ${idOf(bot)} @2`], invalidations: [`account:${hex}`] });
    world.store.logs.clear();
    const again = await disable(admin, bot);
    expect([again.result.account.status, again.effects.written]).toEqual(["disabled", false]);
    expect(world.committed().events).toEqual([]);
    const enabled = await enableAccount(world.deps, world.call(admin.caller, "EnableServiceAccount"), idOf(bot));
    expect(enabled.result.account).toMatchObject({ status: "active", version: 3 });
  });

  it("acts only on the account as rule 3 judged it: a promotion landing meanwhile makes the call retry", async () => {
    const developer = await world.principal("dev", [all("developer")]);
    const find = world.store.accounts.find.bind(world.store.accounts);
    for (const act of [disable, remove]) {
      const peer = await world.principal(`peer-${act === disable ? "a" : "b"}`, [all("developer")]);
      // Between the check (peer is no superior) and the write, an administrator promotes peer.
      const promote = () => world.store.accounts.update(world.org, peer.account._id.toHexString(), undefined, { roleBindings: [all("admin")] }, new Date(), world.entry());
      let reads = 0;
      vi.spyOn(world.store.accounts, "find").mockImplementation(async (org, id) => {
        // The account as read: the memory store would change the returned object in place.
        const found = await find(org, id);
        const asRead = found && { ...found };
        if (reads++ === 0) await promote();
        return asRead;
      });
      await expectRefused(act(developer, peer), "aborted", "changed_meanwhile");
      vi.restoreAllMocks();
      expect(await world.store.accounts.find(world.org, peer.account._id.toHexString())).toMatchObject({ status: "active" });
    }
  });

  it("deletes: revokes every token, hides the account (rule 10), and commits one event", async () => {
    const bot = await world.principal("bot", [inEnv("developer", "dev")]);
    await world.token(bot.account);
    await world.token(bot.account, { revoked: true });
    const { result } = await remove(admin, bot);
    expect(result.revokedTokenCount).toBe(2);
    expect(await world.store.tokens.find(world.org, bot.token._id.toHexString())).toMatchObject({ revokeReason: "service account deleted" });
    expect(world.committed()).toEqual({
      events: [`service_account.delete ${idOf(bot)} @2`],
      invalidations: [`account:${bot.account._id.toHexString()}`],
    });
    await expectRefused(getAccount(world.deps, world.call(admin.caller, "GetServiceAccount"), idOf(bot)), "not_found");
    await expectRefused(remove(admin, bot), "not_found");
  });

  it("refuses removing the last active full admin, and acting on a superior", async () => {
    await expectRefused(disable(admin, admin), "failed_precondition", "last_admin");
    await expectRefused(remove(admin, admin), "failed_precondition", "last_admin");
    // A disabled admin does not count as the other one.
    await world.principal("dormant", [all("admin")], { extra: { status: "disabled" } });
    await expectRefused(remove(admin, admin), "failed_precondition", "last_admin");
    const developer = await world.principal("developer", [all("developer")]);
    await expectRefused(disable(developer, admin), "permission_denied", "superior");
    expect(world.committed().events).toEqual([]);
    // The admin lock is released after each refusal.
    expect((await world.store.organizations.find(world.org))?.adminLock).toBeNull();
  });

  it("refuses while another change to the administrators holds the lock", async () => {
    const second = await world.principal("second", [all("admin")]);
    expect(await world.store.organizations.lockAdmins(world.org, "someone-else", new Date(), 10_000)).toBe(true);
    await expectRefused(disable(admin, second), "aborted", "admins_changing");
    await world.store.organizations.unlockAdmins(world.org, "someone-else");
    await disable(admin, second);
  });
});

describe("listAccounts", () => {
  const list = (who: Principal, extra: Partial<Parameters<typeof listAccounts>[2]> = {}) =>
    listAccounts(world.deps, world.call(who.caller, "ListServiceAccounts"), { status: undefined, role: "", namePrefix: "", pageSize: 0, pageToken: "", ...extra });

  it("shows only accounts within the caller's bounds (rule 2) and pages by id", async () => {
    const reader = await world.principal("reader", [inEnv("viewer", "dev")]);
    await world.principal("bot-a", [inEnv("developer", "dev")]);
    await world.principal("bot-b", [inEnv("developer", "prod")]);
    await world.principal("bot-c", [inEnv("viewer", "dev")]);
    const first = await list(reader, { namePrefix: "bot-", pageSize: 2 });
    expect(first.result.accounts.map((a) => a.account.name)).toEqual(["bot-a"]); // bot-b read but out of bounds
    const second = await list(reader, { namePrefix: "bot-", pageSize: 2, pageToken: first.result.nextPageToken });
    expect([second.result.accounts.map((a) => a.account.name), second.result.nextPageToken]).toEqual([["bot-c"], ""]);
    expect(second.result.accounts[0]!.activeTokenCount).toBe(1);
    await expectRefused(list(reader, { pageToken: first.result.nextPageToken }), "invalid_argument", "invalid_argument", "page_token");
  });
});
