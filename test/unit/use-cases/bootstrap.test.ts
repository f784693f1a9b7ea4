// The operator's changes: an organisation with its first admin, and credentials for bundled
// services, each committed with its audit event like any other change.
import { describe, expect, it } from "vitest";
import { parseApiId } from "../../../client/ids.ts";
import { hashToken, isWellFormed } from "../../../services/identity/domain/token-format.ts";
import { createEnvironment } from "../../../services/identity/use-cases/environments.ts";
import { bootstrapOrganization, issueCredential } from "../../../services/identity/use-cases/bootstrap.ts";
import { expectRefused, tokenPrefix, World } from "../support/fixtures.ts";

const options = { org: "newco", adminName: "root", tokenPrefix, tokenPolicy: { maxTtlMs: null, defaultTtlMs: null }, channel: "cli" };

describe("bootstrap", () => {
  it("commits organization.create, service_account.create and credential.issue, acting as the new admin", async () => {
    const world = new World("newco");
    const issued = await bootstrapOrganization(world.store, options);
    expect(isWellFormed(issued.token, tokenPrefix)).toBe(true);
    expect(world.committed()).toEqual({
      events: [`organization.create newco @0`, `service_account.create ${issued.accountId} @1`, `credential.issue ${issued.tokenId} @1`],
      invalidations: [`token:${hashToken(issued.token)}`],
    });
    const accountHex = parseApiId("sa", issued.accountId);
    for (const event of world.store.logs.audit) {
      expect(event).toMatchObject({ org: "newco", channel: "cli", outcome: "ok", actor: { accountId: accountHex, accountName: "root" } });
    }
    // The credential is a working full admin.
    const account = (await world.store.accounts.findByName("newco", "root"))!;
    const token = (await world.store.tokens.find("newco", parseApiId("tok", issued.tokenId)!))!;
    expect(token.hash).toBe(hashToken(issued.token));
    await createEnvironment(world.deps, world.call(await world.callerOf(account, token), "CreateEnvironment"), { name: "prod", description: "" });
  });

  it("refuses an organisation that exists, creating nothing", async () => {
    const world = await World.create("newco");
    await expectRefused(bootstrapOrganization(world.store, options), "already_exists");
    expect(await world.store.accounts.findByName("newco", "root")).toBeNull();
    expect(world.committed().events).toEqual([]);
  });

  it("issues a further credential for an existing account without creating it again", async () => {
    const world = new World("newco");
    const first = await bootstrapOrganization(world.store, options);
    world.store.logs.clear();
    const again = await issueCredential(world.store, { org: "newco", name: "root", description: "", role: "viewer", tokenPrefix, channel: "cli" });
    expect(again.accountId).toBe(first.accountId);
    expect(again.token).not.toBe(first.token);
    expect(world.committed().events).toEqual([`credential.issue ${again.tokenId} @1`]);
  });
});
