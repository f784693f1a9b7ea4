// Reading the audit trail: audit.read anywhere (rule 8), filters, newest first, keyset pages.
import { beforeEach, describe, expect, it } from "vitest";
import { apiAccountId } from "../../../client/ids.ts";
import { listAuditEvents, type ListAuditInput } from "../../../services/identity/use-cases/audit.ts";
import { createEnvironment } from "../../../services/identity/use-cases/environments.ts";
import { all, expectRefused, inEnv, World, type Principal } from "../support/fixtures.ts";

let world: World;
let admin: Principal;

beforeEach(async () => {
  world = await World.create();
  admin = await world.principal("root", [all("admin")]);
  for (const name of ["qa", "perf", "load"]) {
    await createEnvironment(world.deps, world.call(admin.caller, "CreateEnvironment"), { name, description: "" });
  }
});

const list = (who: Principal, extra: Partial<ListAuditInput> = {}) =>
  listAuditEvents(world.deps, world.call(who.caller, "ListAuditEvents"), { actorAccountId: "", target: "", action: "", pageSize: 0, pageToken: "", ...extra });
const seconds = (date: Date) => ({ seconds: BigInt(Math.floor(date.getTime() / 1000)), nanos: 0 });

describe("listAuditEvents", () => {
  it("needs audit.read (anywhere), never accounts.read", async () => {
    await expectRefused(list(await world.principal("developer", [all("developer")])), "permission_denied");
    const analyst = await world.principal("analyst", [inEnv("security-analyst", "dev")]);
    expect((await list(analyst)).result.events.map((e) => e.target)).toEqual(["load", "perf", "qa"]);
  });

  it("filters and pages newest first", async () => {
    const first = await list(admin, { action: "environment.create", pageSize: 2 });
    expect(first.result.events.map((e) => e.target)).toEqual(["load", "perf"]);
    const second = await list(admin, { action: "environment.create", pageSize: 2, pageToken: first.result.nextPageToken });
    expect([second.result.events.map((e) => e.target), second.result.nextPageToken]).toEqual([["qa"], ""]);
    expect((await list(admin, { target: "perf" })).result.events).toHaveLength(1);
    expect((await list(admin, { actorAccountId: apiAccountId(admin.account._id) })).result.events).toHaveLength(3);
    const later = new Date(Date.now() + 60_000);
    expect((await list(admin, { startTime: seconds(later) })).result.events).toEqual([]);
  });

  it("refuses malformed filters, naming them", async () => {
    const now = new Date();
    await expectRefused(list(admin, { startTime: seconds(now), endTime: seconds(now) }), "invalid_argument", "invalid_argument", "end_time");
    await expectRefused(list(admin, { actorAccountId: "tok_000000000000000000000000" }), "invalid_argument", "invalid_argument", "actor_account_id");
    await expectRefused(list(admin, { pageToken: "not-a-token" }), "invalid_argument", "invalid_argument", "page_token");
  });
});
