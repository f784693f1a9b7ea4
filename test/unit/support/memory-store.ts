// An in-memory stand-in for the MongoDB repositories the use cases depend on (use-cases/deps.ts),
// with the same filters, uniqueness, version checks and keyset paging as services/identity/store/.
// Effects are delivered as the outbox relay delivers them, at once: a write that carries an entry
// appends its audit event (with the version it wrote) and its invalidations to the logs below and
// marks the entry written, so a test can assert what a mutation committed. Every document handed
// out or taken in is copied: a use case cannot change stored state except through a method.
import { ObjectId } from "mongodb";
import { IdentityError, invalidArgument } from "../../../services/identity/domain/errors.ts";
import { builtInRoles, grantsOf } from "../../../services/identity/domain/permissions.ts";
import type { TokenPolicy } from "../../../services/identity/domain/token-policy.ts";
import { tokenState, type TokenState } from "../../../services/identity/domain/token-state.ts";
import type { AccountChanges, AccountFilters } from "../../../services/identity/store/account-repository.ts";
import type { AuditFilters } from "../../../services/identity/store/audit-repository.ts";
import type {
  AccountDoc,
  AccountStatus,
  AuditDoc,
  EnvironmentDoc,
  InvalidationDoc,
  OrganizationDoc,
  OutboxEntry,
  RoleDoc,
  TokenDoc,
} from "../../../services/identity/store/documents.ts";
import type { Page } from "../../../services/identity/store/paging.ts";
import type { UsageDoc } from "../../../services/identity/store/usage-repository.ts";
import type { Repositories, RoleResolver } from "../../../services/identity/use-cases/deps.ts";

/**
 * A deep copy that keeps ObjectIds (structuredClone turns them into plain objects; they are
 * immutable, so sharing them is safe) and copies Dates.
 */
export function copy<T>(value: T): T {
  if (value instanceof Date) return new Date(value) as T;
  if (value instanceof ObjectId || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
}

// Class declarations implement aliases: `implements` takes no indexed access type.
type OrganizationsPort = Repositories["organizations"];
type AccountsPort = Repositories["accounts"];
type TokensPort = Repositories["tokens"];
type RolesPort = Repositories["roles"];
type EnvironmentsPort = Repositories["environments"];
type AuditPort = Repositories["audit"];
type UsagePort = Repositories["usage"];

const hex = (id: ObjectId | string) => (typeof id === "string" ? id : id.toHexString());
/** As the repositories do with `new ObjectId(id)`: a malformed id throws, a valid one is normalised. */
const idOf = (id: string) => new ObjectId(id).toHexString();
/** Equality as a filter on an ObjectId field sees it: null matches null only. */
const sameId = (a: ObjectId | null, b: ObjectId | null) => (a === null || b === null ? a === b : a.equals(b));
const live = (status: AccountStatus) => status !== "deleted";

/** The MongoDB driver's duplicate key error, as far as the repositories look at it. */
const duplicateKey = () => Object.assign(new Error("E11000 duplicate key error"), { code: 11000 });
/** A duplicate name as the repositories report it: ALREADY_EXISTS naming the field. */
const nameTaken = (what: string) => (doc: { name: string }) =>
  new IdentityError("already_exists", `${what} named "${doc.name}" already exists`, "already_exists", "name");
const sameOrgAndName = (a: { org: string; name: string }, b: { org: string; name: string }) => a.org === b.org && a.name === b.name;

/** The audit log and the invalidation log, as the relay fills them. */
export class Logs {
  readonly audit: AuditDoc[] = [];
  readonly invalidations: InvalidationDoc[] = [];

  /** The relay's delivery (store/outbox.ts): the version written, a duplicate event ignored. */
  deliver(doc: { version?: number }, entry: OutboxEntry | undefined): void {
    if (!entry) return;
    entry.written = true;
    this.appendOnce({ ...copy(entry.audit), targetVersion: entry.audit.targetVersion || doc.version || 0 });
    const time = new Date();
    this.invalidations.push(...entry.invalidations.map((i) => ({ _id: new ObjectId(), kind: i.kind, key: i.key, time })));
  }

  appendOnce(event: AuditDoc): void {
    if (!this.audit.some((e) => e._id.equals(event._id))) this.audit.push(copy(event));
  }

  /** Forgets what seeding wrote, so a test sees only its own call's effects. */
  clear(): void {
    this.audit.length = 0;
    this.invalidations.length = 0;
  }
}

/** One collection: documents by id in insertion (natural) order, each write one atomic step. */
class Table<T extends { _id: ObjectId | string; version?: number }> {
  private readonly rows = new Map<string, T>();

  constructor(
    private readonly logs: Logs,
    /** Two documents that a unique index forbids side by side. */
    private readonly clash: (a: T, b: T) => boolean,
    private readonly duplicate: (doc: T) => Error,
  ) {}

  find(match: (d: T) => boolean): T[] {
    return [...this.rows.values()].filter(match).map(copy);
  }

  findOne(match: (d: T) => boolean): T | null {
    return this.find(match)[0] ?? null;
  }

  insert(doc: T, entry: OutboxEntry | undefined): void {
    const stored = copy(doc);
    if (this.rows.has(hex(doc._id)) || [...this.rows.values()].some((d) => this.clash(d, stored))) throw this.duplicate(doc);
    this.rows.set(hex(doc._id), stored);
    this.logs.deliver(stored, entry);
  }

  /** findOneAndUpdate with returnDocument "after": null when nothing matches. */
  update(match: (d: T) => boolean, change: (d: T) => void, entry?: OutboxEntry): T | null {
    const doc = [...this.rows.values()].find(match);
    if (!doc) return null;
    change(doc);
    this.logs.deliver(doc, entry);
    return copy(doc);
  }

  updateMany(match: (d: T) => boolean, change: (d: T) => void): number {
    const docs = [...this.rows.values()].filter(match);
    docs.forEach(change);
    return docs.length;
  }

  /** Outbox.delete: the effects are committed, then the document goes. */
  delete(match: (d: T) => boolean, entry: OutboxEntry | undefined): boolean {
    const doc = [...this.rows.values()].find(match);
    if (!doc) return false;
    this.logs.deliver(doc, entry);
    this.rows.delete(hex(doc._id));
    return true;
  }
}

/** store/paging.ts recordLastUse: sets lastUsedTime by _id alone. */
function recordLastUse<T extends { _id: ObjectId; lastUsedTime: Date | null }>(table: Table<T>, uses: readonly { id: ObjectId; time: Date }[]): void {
  for (const use of uses) table.update((d) => d._id.equals(use.id), (d) => (d.lastUsedTime = use.time));
}

/** store/paging.ts pageBy: sorted by the key, strictly after `after`, one extra read to know whether more follow. */
function pageBy<T extends { _id: ObjectId }>(
  docs: T[],
  options: { key: "_id" | "name"; descending?: boolean; pageSize: number; after: string | undefined },
): Page<T> {
  const keyOf = (d: T) => (options.key === "_id" ? d._id.toHexString() : String((d as T & { name: string }).name));
  if (options.after !== undefined && options.key === "_id" && !/^[0-9a-f]{24}$/.test(options.after)) {
    throw invalidArgument("page_token", "is not a page token this service issued");
  }
  // Keys compare as MongoDB compares them: hex ids and names are ASCII, so by code unit.
  const order = (a: string, b: string) => (options.descending ? -1 : 1) * (a < b ? -1 : a > b ? 1 : 0);
  const { after } = options;
  const sorted = docs
    .filter((d) => after === undefined || order(keyOf(d), after) > 0)
    .sort((a, b) => order(keyOf(a), keyOf(b)))
    .slice(0, options.pageSize + 1);
  const items = sorted.slice(0, options.pageSize);
  const last = items.at(-1);
  return { items, nextAfter: sorted.length > options.pageSize && last ? keyOf(last) : undefined };
}

class Organizations implements OrganizationsPort {
  constructor(private readonly table: Table<OrganizationDoc>) {}

  async create(name: string, tokenPolicy: TokenPolicy, now: Date, entry?: OutboxEntry): Promise<OrganizationDoc> {
    const doc: OrganizationDoc = { _id: name, createTime: now, tokenPolicy };
    this.table.insert(doc, entry);
    return doc;
  }

  async find(name: string) {
    return this.table.findOne((o) => o._id === name);
  }

  async lockAdmins(name: string, holder: string, now: Date, staleMs: number): Promise<boolean> {
    // `adminLock: null` matches a missing field too; a missing lock time is never stale.
    const free = (o: OrganizationDoc) => o.adminLock == null || (o.adminLockTime !== undefined && o.adminLockTime.getTime() < now.getTime() - staleMs);
    return this.table.update((o) => o._id === name && free(o), (o) => Object.assign(o, { adminLock: holder, adminLockTime: now })) !== null;
  }

  async unlockAdmins(name: string, holder: string): Promise<void> {
    this.table.update((o) => o._id === name && o.adminLock === holder, (o) => (o.adminLock = null));
  }

  async updatePolicy(name: string, tokenPolicy: TokenPolicy, entry: OutboxEntry) {
    return this.table.update((o) => o._id === name, (o) => (o.tokenPolicy = copy(tokenPolicy)), entry);
  }
}

class Accounts implements AccountsPort {
  constructor(private readonly table: Table<AccountDoc>) {}

  /** Live accounts by id; the id is parsed first, as `new ObjectId(id)` in the filter is. */
  private byId(org: string, id: string) {
    const key = idOf(id);
    return (a: AccountDoc) => a._id.toHexString() === key && a.org === org && live(a.status);
  }

  async insert(doc: AccountDoc, entry?: OutboxEntry) {
    this.table.insert(doc, entry);
  }

  async find(org: string, id: string) {
    return this.table.findOne(this.byId(org, id));
  }

  async findByName(org: string, name: string) {
    return this.table.findOne((a) => a.org === org && a.nameKey === name);
  }

  async findForAuthentication(id: ObjectId) {
    return this.table.findOne((a) => a._id.equals(id));
  }

  async findMany(org: string, ids: readonly ObjectId[]) {
    return this.table.find((a) => a.org === org && ids.some((id) => id.equals(a._id)));
  }

  async existing(org: string, ids: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(ids.map(idOf));
    return new Set(this.table.find((a) => a.org === org && live(a.status) && wanted.has(a._id.toHexString())).map((a) => a._id.toHexString()));
  }

  async list(org: string, filters: AccountFilters, pageSize: number, after: string | undefined) {
    const docs = this.table.find(
      (a) =>
        a.org === org &&
        (filters.status ? a.status === filters.status : live(a.status)) &&
        (!filters.role || a.roleBindings.some((b) => b.role === filters.role)) &&
        (!filters.namePrefix || a.nameKey.startsWith(filters.namePrefix)),
    );
    return pageBy(docs, { key: "_id", pageSize, after });
  }

  async update(org: string, id: string, version: number | undefined, changes: AccountChanges, now: Date, entry: OutboxEntry) {
    const byId = this.byId(org, id);
    const updated = this.table.update(
      (a) => byId(a) && (version === undefined || a.version === version),
      (a) => Object.assign(a, copy(changes), { updateTime: now, version: a.version + 1 }),
      entry,
    );
    if (updated) return updated;
    if (version !== undefined && (await this.find(org, id))) {
      throw new IdentityError("aborted", "the service account changed since it was read; read it again and retry", "etag_mismatch");
    }
    throw new IdentityError("not_found", `service account "sa_${id}" not found`);
  }

  async setStatus(org: string, id: string, to: "active" | "disabled", version: number, now: Date, entry: OutboxEntry) {
    const from = to === "active" ? "disabled" : "active";
    const key = idOf(id);
    return this.table.update(
      (a) => a._id.toHexString() === key && a.org === org && a.status === from && a.version === version,
      (a) => Object.assign(a, { status: to, updateTime: now, version: a.version + 1 }),
      entry,
    );
  }

  async markDeleted(org: string, id: string, version: number, now: Date, entry: OutboxEntry) {
    const live = this.byId(org, id);
    return this.table.update(
      (a) => live(a) && a.version === version,
      (a) => Object.assign(a, { status: "deleted", nameKey: `~deleted~${id}`, updateTime: now, version: a.version + 1 }),
      entry,
    );
  }

  async activeFullAdmins(org: string, except: ObjectId) {
    return this.table.find((a) => a.org === org && a.status === "active" && !a._id.equals(except) && a.roleBindings.some((b) => b.role === "admin" && b.allEnvironments))
      .length;
  }

  async clearManagersOfRole(org: string, role: string, now: Date) {
    this.table.updateMany(
      (a) => a.org === org && live(a.status) && a.roleBindings.some((b) => b.role === role) && a.managerAccountIds.length + a.managerRoles.length > 0,
      (a) => Object.assign(a, { managerAccountIds: [], managerRoles: [], updateTime: now, version: a.version + 1 }),
    );
  }

  async managedByRoles(org: string, roles: readonly string[]) {
    return this.table.find((a) => a.org === org && live(a.status) && a.managerRoles.some((r) => roles.includes(r)));
  }

  async countBoundToRole(org: string, role: string) {
    return this.table.find((a) => a.org === org && live(a.status) && (a.roleBindings.some((b) => b.role === role) || a.managerRoles.includes(role))).length;
  }

  async countUsingEnvironment(org: string, environment: string) {
    return this.table.find((a) => a.org === org && live(a.status) && a.roleBindings.some((b) => b.environments.includes(environment))).length;
  }

  /** For the usage recorder (rpc tests): last use by id alone. */
  async recordUse(uses: readonly { id: ObjectId; time: Date }[]) {
    recordLastUse(this.table, uses);
  }
}

class Tokens implements TokensPort {
  constructor(private readonly table: Table<TokenDoc>) {}

  private byId(org: string, id: string) {
    const key = idOf(id);
    return (t: TokenDoc) => t._id.toHexString() === key && t.org === org;
  }
  private inState = (state: TokenState | undefined, now: Date) => (t: TokenDoc) => state === undefined || tokenState(t, now) === state;

  async insert(doc: TokenDoc, entry?: OutboxEntry) {
    this.table.insert(doc, entry);
  }

  async find(org: string, id: string) {
    return this.table.findOne(this.byId(org, id));
  }

  /** For the real Authenticator (rpc tests): the token by hash; the projection's extra fields do no harm. */
  async findForVerification(hash: string) {
    return this.table.findOne((t) => t.hash === hash) ?? undefined;
  }

  async list(org: string, accountIds: readonly ObjectId[] | undefined, state: TokenState | undefined, now: Date, pageSize: number, after: string | undefined) {
    const docs = this.table.find((t) => t.org === org && this.inState(state, now)(t) && (!accountIds || accountIds.some((id) => id.equals(t.accountId))));
    return pageBy(docs, { key: "_id", pageSize, after });
  }

  async countActive(org: string, accountIds: readonly ObjectId[], now: Date): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const t of this.table.find((t) => t.org === org && accountIds.some((id) => id.equals(t.accountId)) && this.inState("active", now)(t))) {
      counts.set(t.accountId.toHexString(), (counts.get(t.accountId.toHexString()) ?? 0) + 1);
    }
    return counts;
  }

  async claimRotation(org: string, id: string, replacement: ObjectId, expireTime: Date, now: Date, entry: OutboxEntry) {
    const byId = this.byId(org, id);
    return this.table.update(
      (t) => byId(t) && t.rotatedTo === null && this.inState("active", now)(t),
      (t) => Object.assign(t, { rotatedTo: replacement, expireTime, version: t.version + 1 }),
      entry,
    );
  }

  async releaseRotation(claimed: TokenDoc, previousExpireTime: Date | null, entry: OutboxEntry) {
    this.table.update(
      (t) => t._id.equals(claimed._id) && sameId(t.rotatedTo, claimed.rotatedTo),
      (t) => Object.assign(t, { rotatedTo: null, expireTime: previousExpireTime, version: t.version + 1 }),
      entry,
    );
  }

  async revoke(org: string, id: string, reason: string, now: Date, entry: OutboxEntry) {
    const byId = this.byId(org, id);
    return this.table.update(
      (t) => byId(t) && t.revokeTime === null,
      (t) => Object.assign(t, { revokeTime: now, revokeReason: reason, version: t.version + 1 }),
      entry,
    );
  }

  async restore(org: string, id: string, now: Date, entry: OutboxEntry) {
    const byId = this.byId(org, id);
    return this.table.update(
      (t) => byId(t) && t.revokeTime !== null && !t.leakTime && (t.expireTime === null || t.expireTime > now),
      (t) => Object.assign(t, { revokeTime: null, revokeReason: "", version: t.version + 1 }),
      entry,
    );
  }

  async deleteInactive(org: string, id: string, now: Date, entry: OutboxEntry) {
    const byId = this.byId(org, id);
    // `expireTime: { $lte: now }` never matches null.
    return this.table.delete((t) => byId(t) && (t.revokeTime !== null || (t.expireTime !== null && t.expireTime <= now)), entry);
  }

  async revokeAllOfAccount(org: string, accountId: ObjectId, reason: string, now: Date) {
    return this.table.updateMany(
      (t) => t.org === org && t.accountId.equals(accountId) && t.revokeTime === null,
      (t) => Object.assign(t, { revokeTime: now, revokeReason: reason, version: t.version + 1 }),
    );
  }

  async countUsingEnvironment(org: string, environment: string, now: Date) {
    return this.table.find((t) => t.org === org && t.environments.includes(environment) && this.inState("active", now)(t)).length;
  }

  async recordUse(uses: readonly { id: ObjectId; time: Date }[]) {
    recordLastUse(this.table, uses);
  }
}

class Roles implements RolesPort {
  constructor(private readonly table: Table<RoleDoc>) {}

  async listAll(org: string) {
    return this.table.find((r) => r.org === org).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async find(org: string, name: string) {
    return this.table.findOne((r) => r.org === org && r.name === name);
  }

  async insert(doc: RoleDoc, entry?: OutboxEntry) {
    this.table.insert(doc, entry);
  }

  async update(org: string, name: string, changes: Partial<Pick<RoleDoc, "description" | "permissions">>, now: Date, entry: OutboxEntry) {
    return this.table.update((r) => r.org === org && r.name === name, (r) => Object.assign(r, copy(changes), { updateTime: now }), entry);
  }

  async delete(org: string, name: string, entry: OutboxEntry) {
    return this.table.delete((r) => r.org === org && r.name === name, entry);
  }
}

class Environments implements EnvironmentsPort {
  constructor(private readonly table: Table<EnvironmentDoc>) {}

  async list(org: string, pageSize: number, after: string | undefined) {
    return pageBy(this.table.find((e) => e.org === org), { key: "name", pageSize, after });
  }

  async existing(org: string, names: readonly string[]) {
    return new Set(this.table.find((e) => e.org === org && names.includes(e.name)).map((e) => e.name));
  }

  async insert(doc: EnvironmentDoc, entry?: OutboxEntry) {
    this.table.insert(doc, entry);
  }

  async delete(org: string, name: string, entry: OutboxEntry) {
    return this.table.delete((e) => e.org === org && e.name === name, entry);
  }
}

/** Reads the audit log the relay fills; `append` is the audit interceptor's (failures, no-ops). */
class Audit implements AuditPort {
  constructor(private readonly logs: Logs) {}

  async append(event: AuditDoc) {
    this.logs.audit.push(copy(event));
  }

  async list(org: string, filters: AuditFilters, pageSize: number, after: string | undefined) {
    const docs = this.logs.audit.filter(
      (e) =>
        e.org === org &&
        (!filters.actorAccountId || e.actor?.accountId === filters.actorAccountId) &&
        (!filters.target || e.target === filters.target) &&
        (!filters.action || e.action === filters.action) &&
        (!filters.startTime || e.time >= filters.startTime) &&
        (!filters.endTime || e.time < filters.endTime),
    );
    return pageBy(docs.map(copy), { key: "_id", descending: true, pageSize, after });
  }
}

class Usage implements UsagePort {
  private readonly counts: UsageDoc[] = [];

  /** Upserts hourly counts, as the usage recorder's flush does. */
  async add(counts: readonly UsageDoc[]) {
    for (const c of counts) {
      const row = this.counts.find((u) => u.tokenId.equals(c.tokenId) && u.hour.getTime() === c.hour.getTime());
      if (row) row.count += c.count;
      else this.counts.push(copy(c));
    }
  }

  async since(tokenIds: readonly ObjectId[], since: Date) {
    const byToken = new Map<string, UsageDoc[]>();
    const rows = this.counts.filter((u) => u.hour >= since && tokenIds.some((id) => id.equals(u.tokenId))).sort((a, b) => a.hour.getTime() - b.hour.getTime());
    for (const row of rows) byToken.set(row.tokenId.toHexString(), [...(byToken.get(row.tokenId.toHexString()) ?? []), copy(row)]);
    return byToken;
  }
}

const builtInPermissions = new Map(builtInRoles.map((r) => [r.name, r.permissions]));

export class MemoryStore implements Repositories {
  readonly logs = new Logs();
  // The unique indexes of ensureIndexes(), and what each repository makes of a duplicate.
  readonly organizations = new Organizations(
    new Table<OrganizationDoc>(this.logs, () => false, (d) => new IdentityError("already_exists", `organisation "${String(d._id)}" already exists`)),
  );
  /** { org, nameKey }: deletion moves nameKey to a tombstone, freeing the name. */
  readonly accounts = new Accounts(new Table<AccountDoc>(this.logs, (a, b) => a.org === b.org && a.nameKey === b.nameKey, nameTaken("a service account")));
  /** { hash }: the driver's duplicate key error, which the repository lets through. */
  readonly tokens = new Tokens(new Table<TokenDoc>(this.logs, (a, b) => a.hash === b.hash, duplicateKey));
  readonly roles = new Roles(new Table<RoleDoc>(this.logs, sameOrgAndName, nameTaken("a role")));
  readonly environments = new Environments(new Table<EnvironmentDoc>(this.logs, sameOrgAndName, nameTaken("an environment")));
  readonly audit = new Audit(this.logs);
  readonly usage = new Usage();

  /** Authenticator.rolePermissions/grantsOf over these roles: built-in first, custom ones read only when a binding needs one. */
  readonly resolver: RoleResolver = {
    rolePermissions: async (org, bindings) => {
      const custom = bindings.some((b) => !builtInPermissions.has(b.role)) ? await this.roles.listAll(org) : [];
      const customPermissions = new Map(custom.map((r) => [r.name, r.permissions]));
      return (role) => builtInPermissions.get(role) ?? customPermissions.get(role);
    },
    grantsOf: async (org, bindings) => grantsOf(bindings, await this.resolver.rolePermissions(org, bindings)),
  };
}
