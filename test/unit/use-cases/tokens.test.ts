// Token use cases over the memory store: what each commits (audit event, invalidations), the
// lifecycle's preconditions, and rules 1-3, 5, 6 and 10 of docs/security.md.
import { ObjectId } from "mongodb";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiAccountId, apiTokenId } from "../../../client/ids.ts";
import { hashToken, isWellFormed } from "../../../services/identity/domain/token-format.ts";
import { createToken, deleteToken, getToken, listTokens, restoreToken, revokeToken, rotateToken } from "../../../services/identity/use-cases/tokens.ts";
import { all, expectRefused, hours, inEnv, tokenPrefix, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;
/** A developer account in dev: the account the tokens below belong to. */
let ci: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
  ci = await world.principal("ci", [inEnv("developer", "dev")]);
});

const tokenInput = (accountId: string, extra: Partial<Parameters<typeof createToken>[2]> = {}) => ({
  accountId,
  label: "deploy",
  permissions: [] as string[],
  environments: [] as string[],
  audiences: [] as string[],
  ...extra,
});
const create = (who: Principal, extra: Partial<Parameters<typeof createToken>[2]> = {}) =>
  createToken(world.deps, world.call(who.caller, "CreateToken"), tokenInput(apiAccountId(ci.account._id), extra));
const idOf = (p: Principal) => apiTokenId(p.token._id);

describe("createToken", () => {
  it("returns the secret once, stores only its hash, and commits token.create with the hash's invalidation", async () => {
    const { result, effects } = await create(admin, { permissions: ["tokens.write"], environments: ["dev"] });
    expect(isWellFormed(result.secret, tokenPrefix)).toBe(true);
    const stored = await world.store.tokens.find(world.org, result.token._id.toHexString());
    expect(stored).toMatchObject({ hash: hashToken(result.secret), hint: result.secret.slice(-4), permissions: ["tokens.write"], environments: ["dev"] });
    expect(JSON.stringify(stored)).not.toContain(result.secret.slice(4, 40));
    expect(world.committed()).toEqual({
      events: [`token.create ${apiTokenId(result.token._id)} @1`],
      invalidations: [`token:${hashToken(result.secret)}`],
    });
    expect(effects.entries.map((e) => e.written)).toEqual([true]);
    expect(world.store.logs.audit[0]).toMatchObject({ outcome: "ok", actor: { accountId: admin.caller.accountId, tokenId: admin.caller.tokenId } });
  });

  it("refuses permissions and environments beyond the account's (rule 5), naming the item, and commits nothing", async () => {
    await expectRefused(create(admin, { permissions: ["tokens.write", "audit.read"] }), "invalid_argument", "invalid_argument", "permissions[1]");
    await expectRefused(create(admin, { environments: ["dev", "prod"] }), "invalid_argument", "invalid_argument", "environments[1]");
    // tokens.write holds in dev only: asking for it in staging is asking for nothing it holds.
    await expectRefused(
      create(admin, { permissions: ["tokens.write"], environments: ["staging"] }),
      "invalid_argument",
      "invalid_argument",
      "environments[0]",
    );
    expect(world.committed()).toEqual({ events: [], invalidations: [] });
  });

  it("applies the organisation's maximum lifetime", async () => {
    await world.store.organizations.updatePolicy(world.org, { maxTtlMs: 2 * 3_600_000, defaultTtlMs: null }, world.entry());
    world.store.logs.clear();
    await expectRefused(create(admin, { ttl: hours(3) }), "invalid_argument", "invalid_argument", "ttl");
    const { result } = await create(admin, { ttl: hours(1) });
    expect(result.token.expireTime!.getTime() - result.now.getTime()).toBe(3_600_000);
  });

  it("needs tokens.write within the account's reach, and the account's grants unless a manager (rules 1-3)", async () => {
    const viewer = await world.principal("viewer", [all("viewer")]);
    await expectRefused(create(viewer), "permission_denied");
    const devOnly = await world.principal("dev-only", [inEnv("developer", "staging")]);
    await expectRefused(create(devOnly), "permission_denied", "environment_denied");
    // A developer everywhere acting on an admin's account: a superior.
    const developer = await world.principal("developer", [all("developer")]);
    await expectRefused(
      createToken(world.deps, world.call(developer.caller, "CreateToken"), tokenInput(apiAccountId(admin.account._id))),
      "permission_denied",
      "superior",
    );
    expect(world.committed().events).toEqual([]);
  });

  it("revokes a token stored while its account was being deleted, and reports the account gone", async () => {
    // The deletion lands between the account's read and the token's write.
    const insert = world.store.tokens.insert.bind(world.store.tokens);
    vi.spyOn(world.store.tokens, "insert").mockImplementationOnce(async (doc, entry) => {
      await world.store.accounts.markDeleted(world.org, ci.account._id.toHexString(), ci.account.version, new Date(), world.entry());
      world.store.logs.clear();
      return insert(doc, entry);
    });
    await expectRefused(create(admin), "not_found");
    const [token] = (await world.store.tokens.list(world.org, [ci.account._id], "revoked", new Date(), 10, undefined)).items.filter((t) => t.label === "deploy");
    expect(token).toMatchObject({ revokeReason: "service account deleted", version: 2 });
    expect(world.committed()).toEqual({
      events: [`token.create ${apiTokenId(token!._id)} @1`, `token.revoke ${apiTokenId(token!._id)} @2`],
      invalidations: [`token:${token!.hash}`, `token:${token!.hash}`],
    });
  });

  it("finds no account of another organisation (rule 10)", async () => {
    const stranger = await world.principal("stranger", [all("developer")], { extra: { org: "other" } });
    await expectRefused(
      createToken(world.deps, world.call(admin.caller, "CreateToken"), tokenInput(apiAccountId(stranger.account._id))),
      "not_found",
      "not_found",
      "account_id",
    );
  });
});

describe("rotateToken", () => {
  const rotate = (id = idOf(ci), grace = hours(1)) => rotateToken(world.deps, world.call(admin.caller, "RotateToken"), { id, gracePeriod: grace });

  it("issues a replacement, shortens the old token to the grace period, and commits one event with both hashes", async () => {
    const before = Date.now();
    const { result } = await rotate();
    expect(result.token).toMatchObject({ rotatedFrom: ci.token._id, accountId: ci.account._id, hash: hashToken(result.secret) });
    expect(result.previous.rotatedTo).toEqual(result.token._id);
    expect(result.previous.expireTime!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(result.previous.expireTime!.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(await world.store.tokens.find(world.org, result.token._id.toHexString())).not.toBeNull();
    expect(world.committed()).toEqual({
      events: [`token.rotate ${idOf(ci)} @2`],
      invalidations: [`token:${ci.token.hash}`, `token:${result.token.hash}`],
    });
  });

  it("lets exactly one of two concurrent rotations win", async () => {
    const outcomes = await Promise.allSettled([rotate(), rotate()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = outcomes.find((o) => o.status === "rejected")!;
    // Both read the token while it was active: the conditional claim, not the pre-check, decided.
    expect(rejected.reason).toMatchObject({ code: "failed_precondition", reason: "already_rotated", message: expect.stringMatching(/meanwhile/) });
    expect(world.committed().events).toEqual([`token.rotate ${idOf(ci)} @2`]);
    expect((await listTokens(world.deps, world.call(admin.caller, "ListTokens"), { accountId: apiAccountId(ci.account._id), state: undefined, pageSize: 0, pageToken: "" })).result.tokens).toHaveLength(2);
  });

  it("refuses a token that is no longer active, or rotated already", async () => {
    const revoked = await world.token(ci.account, { revoked: true });
    await expectRefused(rotate(apiTokenId(revoked.token._id)), "failed_precondition", "token_inactive");
    await rotate();
    await expectRefused(rotate(), "failed_precondition", "already_rotated");
  });

  it("gives the claim back when the replacement cannot be stored", async () => {
    const insert = vi.spyOn(world.store.tokens, "insert").mockRejectedValueOnce(new Error("disk full"));
    await expect(rotate()).rejects.toThrow("disk full");
    insert.mockRestore();
    const token = await world.store.tokens.find(world.org, ci.token._id.toHexString());
    expect(token).toMatchObject({ rotatedTo: null, expireTime: null });
    // The token can be rotated again.
    await rotate();
  });

  it("undoes a claim whose replacement could not be stored, as a change of its own in the trail", async () => {
    vi.spyOn(world.store.tokens, "insert").mockRejectedValueOnce(new Error("disk full"));
    await expect(rotate()).rejects.toThrow("disk full");
    // The trail is append-only: the claim happened, then its undoing; caches forget the shortened expiry.
    expect(world.committed()).toEqual({
      events: [`token.rotate ${idOf(ci)} @2`, `token.rotate_undo ${idOf(ci)} @3`],
      invalidations: [`token:${ci.token.hash}`, expect.stringMatching(/^token:/), `token:${ci.token.hash}`],
    });
  });
});

describe("revokeToken", () => {
  const revoke = (who: Principal, id: string, reason = "leaked") => revokeToken(world.deps, world.call(who.caller, "RevokeToken"), { id, reason });

  it("lets any caller revoke the token it presents, without tokens.revoke (rule 6)", async () => {
    const narrow = await world.principal("reader", [all("developer")], { permissions: ["accounts.read"] });
    const { result } = await revoke(narrow, idOf(narrow), "pasted in a chat");
    expect(result).toMatchObject({ revokeReason: "pasted in a chat", version: 2 });
    expect(result.revokeTime).toBeInstanceOf(Date);
    expect(world.committed()).toEqual({ events: [`token.revoke ${idOf(narrow)} @2`], invalidations: [`token:${narrow.token.hash}`] });
    expect(world.store.logs.audit[0]!.detail).toBe("pasted in a chat");
    // Its other tokens are another matter: rule 1.
    const other = await world.token(narrow.account);
    await expectRefused(revoke(narrow, apiTokenId(other.token._id)), "permission_denied");
  });

  it("is a no-op the second time: same answer, nothing committed", async () => {
    const first = await revoke(admin, idOf(ci), "first");
    world.store.logs.clear();
    const second = await revoke(admin, idOf(ci), "second");
    expect(second.result).toMatchObject({ revokeReason: "first", version: first.result.version });
    expect(second.effects.written).toBe(false);
    expect(world.committed()).toEqual({ events: [], invalidations: [] });
  });

  it("refuses a superior's token (rule 3) and a secret pasted as the reason", async () => {
    const analyst = await world.principal("analyst", [all("security-analyst")]);
    await expectRefused(revoke(analyst, idOf(admin)), "permission_denied", "superior");
    await expectRefused(revoke(admin, idOf(ci), `oops ${ci.secret}`), "invalid_argument", "invalid_argument", "reason");
    expect(world.committed().events).toEqual([]);
  });
});

describe("restoreToken", () => {
  const restore = (id: string) => restoreToken(world.deps, world.call(admin.caller, "RestoreToken"), id);

  it("brings a revoked, unexpired token back and commits token.restore", async () => {
    const revoked = await world.token(ci.account, { revoked: true, expiresIn: 3_600_000 });
    const { result } = await restore(apiTokenId(revoked.token._id));
    expect(result).toMatchObject({ revokeTime: null, revokeReason: "", version: 2 });
    expect(world.committed()).toEqual({ events: [`token.restore ${apiTokenId(revoked.token._id)} @2`], invalidations: [`token:${revoked.token.hash}`] });
  });

  it("refuses an expired token, one not revoked, and one of a disabled account", async () => {
    const expired = await world.token(ci.account, { revoked: true, expiresIn: -1000 });
    await expectRefused(restore(apiTokenId(expired.token._id)), "failed_precondition", "expired");
    await expectRefused(restore(idOf(ci)), "failed_precondition", "not_revoked");
    const sleeper = await world.principal("sleeper", [inEnv("viewer", "dev")], { revoked: true, extra: { status: "disabled" } });
    await expectRefused(restore(idOf(sleeper)), "failed_precondition", "account_disabled");
    expect(world.committed().events).toEqual([]);
  });

  it("refuses when the token changed between the read and the write", async () => {
    const revoked = await world.token(ci.account, { revoked: true });
    // Another instance restores it first: the conditional write matches nothing.
    vi.spyOn(world.store.tokens, "restore").mockResolvedValueOnce(null);
    await expectRefused(restore(apiTokenId(revoked.token._id)), "failed_precondition", "token_changed");
  });
});

describe("deleteToken", () => {
  const remove = (id: string) => deleteToken(world.deps, world.call(admin.caller, "DeleteToken"), id);

  it("deletes only tokens that can no longer be used", async () => {
    await expectRefused(remove(idOf(ci)), "failed_precondition", "token_active");
    const expired = await world.token(ci.account, { expiresIn: -1000 });
    await remove(apiTokenId(expired.token._id));
    expect(await world.store.tokens.find(world.org, expired.token._id.toHexString())).toBeNull();
    expect(world.committed()).toEqual({ events: [`token.delete ${apiTokenId(expired.token._id)} @1`], invalidations: [`token:${expired.token.hash}`] });
    await expectRefused(getToken(world.deps, world.call(admin.caller, "GetToken"), apiTokenId(expired.token._id)), "not_found");
  });
});

describe("reading tokens", () => {
  it("refuses a malformed or foreign id, and a token of another organisation (rule 10)", async () => {
    const get = (id: string) => getToken(world.deps, world.call(admin.caller, "GetToken"), id);
    await expectRefused(get(apiAccountId(ci.account._id)), "invalid_argument", "invalid_argument", "id");
    await expectRefused(get(apiTokenId(new ObjectId())), "not_found");
    const stranger = await world.principal("stranger", [all("developer")], { extra: { org: "other" } });
    await expectRefused(get(idOf(stranger)), "not_found");
  });

  it("lists only tokens of accounts within the caller's bounds (rule 2), a page at a time", async () => {
    await world.principal("prod-bot", [inEnv("developer", "prod")]);
    const devReader = await world.principal("dev-reader", [inEnv("viewer", "dev")]);
    const list = (pageToken = "") =>
      listTokens(world.deps, world.call(devReader.caller, "ListTokens"), { accountId: "", state: "active", pageSize: 2, pageToken });
    const first = await list();
    const second = await list(first.result.nextPageToken);
    const shown = [...first.result.tokens, ...second.result.tokens].map((t) => t.token.accountId.toHexString());
    // root (admin) and prod-bot are beyond dev; ci and dev-reader are within it.
    expect(shown.sort()).toEqual([ci.account._id.toHexString(), devReader.account._id.toHexString()].sort());
    expect(second.result.nextPageToken).toBe("");
  });
});
