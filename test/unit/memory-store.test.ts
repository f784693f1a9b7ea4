// The memory store's own contract where use-case tests lean on it without showing it: keyset
// pages (page_size + 1), the etag/not-found distinction, conditional token writes, the admin lock,
// and copies in and out.
import { ObjectId } from "mongodb";
import { beforeEach, describe, expect, it } from "vitest";
import { all, expectRefused, World, type Principal } from "./support/fixtures.ts";

let world: World;
let bot: Principal;
const entry = () => world.entry();

beforeEach(async () => {
  world = await World.create();
  bot = await world.principal("bot", [all("viewer")]);
});

describe("memory store", () => {
  it("pages by key: a full last page has no continuation, a malformed _id cursor is refused", async () => {
    const page = await world.store.environments.list(world.org, 3, undefined);
    expect([page.items.map((e) => e.name), page.nextAfter]).toEqual([["dev", "prod", "staging"], undefined]);
    const short = await world.store.environments.list(world.org, 2, "dev");
    expect([short.items.map((e) => e.name), short.nextAfter]).toEqual([["prod", "staging"], undefined]);
    expect((await world.store.environments.list(world.org, 1, undefined)).nextAfter).toBe("dev");
    await expectRefused(world.store.accounts.list(world.org, {}, 10, "zz"), "invalid_argument", "invalid_argument", "page_token");
  });

  it("tells a stale version (aborted) from a missing account (not found), and commits nothing on either", async () => {
    const id = bot.account._id.toHexString();
    await expectRefused(world.store.accounts.update(world.org, id, 5, {}, new Date(), entry()), "aborted", "etag_mismatch");
    await expectRefused(world.store.accounts.update("other", id, 1, {}, new Date(), entry()), "not_found");
    expect(world.store.logs.audit).toEqual([]);
    const written = entry();
    expect(await world.store.accounts.update(world.org, id, 1, { owner: "me" }, new Date(), written)).toMatchObject({ owner: "me", version: 2 });
    expect([written.written, world.store.logs.audit.map((e) => e.targetVersion)]).toEqual([true, [2]]);
  });

  it("writes tokens only in the states the repository's filters allow", async () => {
    const id = bot.token._id.toHexString();
    const now = new Date();
    expect(await world.store.tokens.restore(world.org, id, now, entry())).toBeNull(); // not revoked
    expect(await world.store.tokens.deleteInactive(world.org, id, now, entry())).toBe(false); // no expiry: never "expired"
    expect(await world.store.tokens.revoke(world.org, id, "x", now, entry())).toMatchObject({ version: 2 });
    expect(await world.store.tokens.revoke(world.org, id, "y", now, entry())).toBeNull();
    expect(await world.store.tokens.claimRotation(world.org, id, new ObjectId(), now, now, entry())).toBeNull(); // not active
    const expired = await world.token(bot.account, { revoked: true, expiresIn: -1 });
    expect(await world.store.tokens.restore(world.org, expired.token._id.toHexString(), now, entry())).toBeNull();
    expect(world.store.logs.audit).toHaveLength(1);
  });

  it("holds the admin lock until released or stale", async () => {
    const t0 = new Date();
    const { organizations } = world.store;
    expect(await organizations.lockAdmins(world.org, "a", t0, 10_000)).toBe(true);
    expect(await organizations.lockAdmins(world.org, "b", new Date(t0.getTime() + 5_000), 10_000)).toBe(false);
    await organizations.unlockAdmins(world.org, "b"); // not the holder: no effect
    expect(await organizations.lockAdmins(world.org, "b", new Date(t0.getTime() + 10_001), 10_000)).toBe(true);
  });

  it("hands out and takes in copies", async () => {
    const read = (await world.store.accounts.find(world.org, bot.account._id.toHexString()))!;
    read.roleBindings.push(all("admin"));
    read.updateTime.setFullYear(2000);
    bot.account.managerRoles.push("admin"); // the seeded object itself
    expect(await world.store.accounts.find(world.org, bot.account._id.toHexString())).toMatchObject({ roleBindings: [all("viewer")], managerRoles: [] });
    expect((await world.store.accounts.findForAuthentication(bot.account._id))!.updateTime.getFullYear()).not.toBe(2000);
  });
});
