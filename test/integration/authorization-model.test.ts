// Model-based test of the authorisation rules (docs/security.md, "The authorisation rules"). Each
// scenario is a fresh organisation with random environments, custom roles, accounts, role bindings,
// managers and (narrowed) tokens, then a random sequence of calls by random callers: directly,
// through an MCP delegate (x-tessera-subject-token), with the obsolete x-tessera-act-as header, or
// as the delegate alone. An independent reference model, written from the rules and sharing
// nothing with the service but the list of built-in roles, predicts every outcome; the service
// must agree. CI runs a seed-stable sample; MODEL_RUNS=2000 is the long run; MODEL_SEED and
// MODEL_ONLY=<scenario> replay one scenario; MODEL_REPORTS sets how many disagreements are printed.
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type CallOptions,
  type Interceptor,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { clientsOver, type TesseraClient } from "../../client/client.ts";
import { ErrorDetailSchema } from "../../gen/tessera/identity/v1/common_pb.ts";
import { ServiceAccountStatus } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenState } from "../../gen/tessera/identity/v1/token_pb.ts";
import { bootstrapOrganization } from "../../services/identity/use-cases/bootstrap.ts";
import { builtInRoles, identityPermissions } from "../../services/identity/domain/permissions.ts"; // data only: names and permissions
import { startHarness, type Harness } from "../support/harness.ts";

const runs = Number(process.env.MODEL_RUNS ?? 300);
const seed = Number(process.env.MODEL_SEED ?? 20261201);
const only = process.env.MODEL_ONLY === undefined ? undefined : Number(process.env.MODEL_ONLY);
const reportsShown = Number(process.env.MODEL_REPORTS ?? 3);

// =================================================================================================
// The reference model
// =================================================================================================

/** Where a permission holds: "all" is a binding's all_environments (every environment, present or future). */
type Scope = "all" | ReadonlySet<string>;
/** Permission → where it holds. */
type Grants = ReadonlyMap<string, Scope>;
const nowhere: Scope = new Set<string>();

const isEmpty = (s: Scope) => s !== "all" && s.size === 0;
const union = (a: Scope, b: Scope): Scope => (a === "all" || b === "all" ? "all" : new Set([...a, ...b]));
const intersect = (a: Scope, b: Scope): Scope => (a === "all" ? b : b === "all" ? a : new Set([...a].filter((e) => b.has(e))));
/** Every environment of `inner` is one of `outer`'s. */
const within = (inner: Scope, outer: Scope) => outer === "all" || (inner !== "all" && [...inner].every((e) => outer.has(e)));
/** Where grants hold permission p: its own entry, plus `*`, which holds every permission. */
const holdsWhere = (g: Grants, p: string): Scope => union(g.get(p) ?? nowhere, g.get("*") ?? nowhere);
/** Terms: the reach of grants is every environment where they hold anything. */
const reach = (g: Grants): Scope => [...g.values()].reduce((r, s) => union(r, s), nowhere);
/** Terms: A lies within B when every permission of A holds in B in at least A's environments. */
const liesWithin = (a: Grants, b: Grants) => [...a].every(([p, s]) => within(s, holdsWhere(b, p)));

interface Binding {
  role: string;
  environments: "all" | string[];
}

interface Account {
  id: string;
  label: string;
  status: "active" | "disabled" | "deleted";
  bindings: Binding[];
  managerIds: string[];
  managerRoles: string[];
}

interface Tok {
  id: string;
  label: string;
  secret: string;
  account: Account;
  /** Narrowing: empty means all of the account's. */
  permissions: string[];
  environments: string[];
  audiences: string[];
  revoked: boolean;
  /** Expired: rotated with no grace period (no token of this test has a lifetime). */
  expired: boolean;
  /** Replaced by a rotation with a grace period: still active, but cannot be rotated again. */
  rotated: boolean;
}

class Model {
  readonly roles = new Map<string, readonly string[]>(builtInRoles.map((r) => [r.name, r.permissions]));
  readonly customRoles: string[] = [];
  /** Target pools, in creation order (a0 is the bootstrap admin, t0 its token). */
  readonly accounts: Account[] = [];
  readonly tokens: Tok[] = [];
  /** The MCP server's account and token: callers, never targets. */
  delegateAccount: Account | undefined;
  delegate: Tok | undefined;
  names = 0;

  constructor(readonly environments: string[]) {}

  everyAccount(): Account[] {
    return this.delegateAccount ? [...this.accounts, this.delegateAccount] : this.accounts;
  }

  /** Terms: an account's grants, from its role bindings. */
  grantsOf(bindings: readonly Binding[]): Grants {
    const grants = new Map<string, Scope>();
    for (const b of bindings) {
      const where: Scope = b.environments === "all" ? "all" : new Set(b.environments);
      for (const p of this.roles.get(b.role) ?? []) grants.set(p, union(grants.get(p) ?? nowhere, where));
    }
    return grants;
  }

  /** Terms: a token's effective grants are its account's narrowed by its permissions and environments. */
  effective(t: Tok): Grants {
    const account = this.grantsOf(t.account.bindings);
    const permissions = t.permissions.length > 0 ? t.permissions : [...account.keys()];
    const limit: Scope = t.environments.length > 0 ? new Set(t.environments) : "all";
    const grants = new Map<string, Scope>();
    for (const p of permissions) {
      const where = intersect(holdsWhere(account, p), limit);
      if (!isEmpty(where)) grants.set(p, where);
    }
    return grants;
  }

  /** Rule 3: the caller's account, or one of its roles, is designated a manager of the target, which is not the caller's own. */
  isManager(caller: Tok, target: Account): boolean {
    if (target.id === caller.account.id) return false;
    return (
      target.managerIds.includes(caller.account.id) || caller.account.bindings.some((b) => target.managerRoles.includes(b.role))
    );
  }

  /** Rule 4: binding roles an account did not have makes it a manager of the live accounts naming them: the first whose grants the caller lacks. */
  managedBeyond(caller: Tok, bindings: Binding[], before: Binding[]): Account | undefined {
    const added = bindings.map((b) => b.role).filter((role) => !before.some((b) => b.role === role));
    const mine = this.effective(caller);
    return this.accounts.find(
      (a) => a.status !== "deleted" && a.managerRoles.some((role) => added.includes(role)) && !liesWithin(this.grantsOf(a.bindings), mine),
    );
  }

  /** Rule 7: whether, with `change` applied to `target`, no active account is bound to admin in all environments. */
  leavesNoAdmin(target: Account, change: Partial<Pick<Account, "status" | "bindings">>): boolean {
    return !this.everyAccount().some((a) => {
      const { status, bindings } = a === target ? { ...a, ...change } : a;
      return status === "active" && bindings.some((b) => b.role === "admin" && b.environments === "all");
    });
  }

  /** Why the token cannot authenticate for `audience`, or undefined when it can. */
  cannotAuthenticate(t: Tok, audience: string): string | undefined {
    if (t.account.status === "deleted") return `${t.label}'s account was deleted`;
    if (t.revoked) return `${t.label} is revoked`;
    if (t.expired) return `${t.label} expired (rotated with no grace period)`;
    if (t.account.status === "disabled") return `${t.label}'s account is disabled`;
    if (t.audiences.length > 0 && !t.audiences.includes(audience)) return `${t.label} names audiences [${t.audiences}] without "${audience}"`;
    return undefined;
  }
}

/** "OK", or the name of a gRPC code: PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION, UNAUTHENTICATED, INVALID_ARGUMENT… */
type Outcome = string;
interface Verdict {
  outcome: Outcome;
  why: string;
  /** Other outcomes the rules allow as well (only for the obsolete act-as header). */
  also?: Outcome[];
}
const allowed: Verdict = { outcome: "OK", why: "allowed" };
const denied = (why: string): Verdict => ({ outcome: "PERMISSION_DENIED", why });
const notFound = (what: string): Verdict => ({ outcome: "NOT_FOUND", why: `rule 10: ${what}` });
const precondition = (why: string): Verdict => ({ outcome: "FAILED_PRECONDITION", why });

type Target<T> = T | "foreign";
const gone = (a: Target<Account>): a is "foreign" => a === "foreign" || a.status === "deleted";
/**
 * A token of another organisation. Rule 10 names deleted accounts, not their tokens: deleting an
 * account revokes its tokens (service_account.proto), which stay readable like any revoked token.
 */
const tokenGone = (t: Target<Tok>): t is "foreign" => t === "foreign";

interface Managers {
  ids: string[];
  roles: string[];
}

type Op =
  | { kind: "CreateEnvironment"; name: string }
  | { kind: "CreateRole" | "UpdateRole"; name: string; permissions: string[] }
  | { kind: "CreateServiceAccount"; name: string; bindings: Binding[]; managers?: Managers; delegate?: true }
  | { kind: "ListServiceAccounts" }
  | { kind: "GetServiceAccount" | "DisableServiceAccount" | "EnableServiceAccount" | "DeleteServiceAccount"; account: Target<Account> }
  | { kind: "UpdateServiceAccount"; account: Target<Account>; owner?: string; bindings?: Binding[]; managers?: Managers }
  | {
      kind: "CreateToken";
      account: Target<Account>;
      permissions: string[];
      environments: string[];
      audiences: string[];
      delegate?: true;
    }
  | { kind: "GetToken" | "RevokeToken" | "RestoreToken"; token: Target<Tok> }
  | { kind: "RotateToken"; token: Target<Tok>; graceSeconds: number };

/**
 * direct: the caller's token as bearer. delegate: the delegate's token as bearer and the caller's
 * secret in x-tessera-subject-token. act-as: the delegate's token and x-tessera-act-as naming the
 * caller's token id (obsolete). alone: the delegate's token, nothing else.
 */
type Via = "direct" | "delegate" | "act-as" | "alone";
interface Call {
  /** The token the call is authorised as, by the rules: for act-as and alone, the delegate's. */
  caller: Tok;
  via: Via;
  /** act-as: the token named by id. */
  named?: Tok;
  op: Op;
}

/** Rules 1-3 for an operation needing `permission` on `target`; rule 3 only for the operations it lists. */
function mayActOn(m: Model, caller: Tok, permission: string, target: Account, superiors: boolean): Verdict | undefined {
  const mine = m.effective(caller);
  const where = holdsWhere(mine, permission);
  // Rule 1: the permission itself, somewhere; being a manager gives nothing without it.
  if (isEmpty(where)) return denied(`rule 1: ${caller.label}'s effective grants hold no ${permission}`);
  // Rule 2: the target's reach lies within where the permission holds.
  const theirs = m.grantsOf(target.bindings);
  if (!within(reach(theirs), where)) {
    return denied(`rule 2: ${target.label} reaches ${show(reach(theirs))}, ${permission} holds only in ${show(where)}`);
  }
  // Rule 3: no acting on superiors, unless designated a manager.
  if (superiors && !liesWithin(theirs, mine) && !m.isManager(caller, target)) {
    return denied(`rule 3: ${target.label}'s grants do not lie within ${caller.label}'s, which is no manager of it`);
  }
  return undefined;
}

/** An allowed change of `target`, noting when only rule 3's manager exception allowed it. */
function allowedOn(m: Model, caller: Tok, target: Account): Verdict {
  return liesWithin(m.grantsOf(target.bindings), m.effective(caller)) ? allowed : { outcome: "OK", why: "rule 3: allowed as a manager" };
}

/** Rules 1-8 and 10 for an authenticated caller. Order: existence, permission, state. */
function authorise(m: Model, caller: Tok, op: Op): Verdict {
  const mine = m.effective(caller);
  switch (op.kind) {
    case "CreateEnvironment":
      // Rule 8: environments.write anywhere.
      return isEmpty(holdsWhere(mine, "environments.write")) ? denied("rule 8: no environments.write") : allowed;

    case "CreateRole":
    case "UpdateRole": {
      if (isEmpty(holdsWhere(mine, "roles.write"))) return denied("rule 1: no roles.write");
      // Rule 8: every permission of the role, before and after the change, in all environments.
      const before = op.kind === "UpdateRole" ? (m.roles.get(op.name) ?? []) : [];
      const lacking = [...before, ...op.permissions].find((p) => holdsWhere(mine, p) !== "all");
      return lacking ? denied(`rule 8: ${caller.label} does not hold ${lacking} in all environments`) : allowed;
    }

    case "CreateServiceAccount": {
      const where = holdsWhere(mine, "accounts.write");
      if (isEmpty(where)) return denied("rule 1: no accounts.write");
      const grants = m.grantsOf(op.bindings);
      // Rule 2: the account acted on is the one being created.
      if (!within(reach(grants), where)) return denied(`rule 2: the new account would reach ${show(reach(grants))}`);
      // Rule 4: new bindings, and designating managers, need the account's grants within the caller's.
      if (!liesWithin(grants, mine)) return denied("rule 4: the new bindings do not lie within the caller's grants");
      const managed = m.managedBeyond(caller, op.bindings, []);
      if (managed) return denied(`rule 4: a role bound names managers of ${managed.label}, whose grants the caller lacks`);
      return allowed;
    }

    case "ListServiceAccounts":
      return isEmpty(holdsWhere(mine, "accounts.read")) ? denied("rule 1: no accounts.read") : allowed;

    case "GetServiceAccount":
      if (gone(op.account)) return notFound("the account is deleted or of another organisation");
      return mayActOn(m, caller, "accounts.read", op.account, false) ?? allowed;

    case "UpdateServiceAccount": {
      const a = op.account;
      if (gone(a)) return notFound("the account is deleted or of another organisation");
      const refused = mayActOn(m, caller, "accounts.write", a, true);
      if (refused) return refused;
      const after = m.grantsOf(op.bindings ?? a.bindings);
      // Rule 2 bounds the account as it is (checked above); the new bindings answer to rule 4 only.
      if (op.bindings && !liesWithin(after, mine)) return denied("rule 4: the new bindings do not lie within the caller's grants");
      const managed = op.bindings && m.managedBeyond(caller, op.bindings, a.bindings);
      if (managed) return denied(`rule 4: a role bound names managers of ${managed.label}, whose grants the caller lacks`);
      // Rule 4: designating managers needs the account's grants after the change; no manager exception.
      if (op.managers && !liesWithin(after, mine)) return denied(`rule 4: designating managers needs all of ${a.label}'s grants`);
      if (op.bindings && m.leavesNoAdmin(a, { bindings: op.bindings })) return precondition("rule 7: last admin");
      const designated = a.managerIds.length + a.managerRoles.length > 0;
      if (op.bindings && !op.managers && designated && !liesWithin(after, m.grantsOf(a.bindings))) {
        return { outcome: "OK", why: "rule 4: allowed; widening the bindings clears the managers" };
      }
      return allowedOn(m, caller, a);
    }

    case "DisableServiceAccount":
    case "EnableServiceAccount":
    case "DeleteServiceAccount": {
      const a = op.account;
      if (gone(a)) return notFound("the account is deleted or of another organisation");
      const refused = mayActOn(m, caller, "accounts.write", a, true);
      if (refused) return refused;
      if (op.kind === "DisableServiceAccount" && m.leavesNoAdmin(a, { status: "disabled" })) return precondition("rule 7: last admin");
      if (op.kind === "DeleteServiceAccount" && m.leavesNoAdmin(a, { status: "deleted" })) return precondition("rule 7: last admin");
      return allowedOn(m, caller, a);
    }

    case "CreateToken": {
      const a = op.account;
      if (gone(a)) return notFound("the account is deleted or of another organisation");
      const refused = mayActOn(m, caller, "tokens.write", a, true);
      if (refused) return refused;
      // Rule 5: the token's environments and permissions lie within the account's grants.
      const grants = m.grantsOf(a.bindings);
      const bad = op.environments.findIndex((e) => !within(new Set([e]), reach(grants)));
      if (bad >= 0) return { outcome: "INVALID_ARGUMENT", why: `rule 5: environments[${bad}]: ${a.label} has no access there` };
      const limit: Scope = op.environments.length > 0 ? new Set(op.environments) : "all";
      const lacking = op.permissions.findIndex((p) => isEmpty(intersect(holdsWhere(grants, p), limit)));
      if (lacking >= 0) return { outcome: "INVALID_ARGUMENT", why: `rule 5: permissions[${lacking}]: ${a.label} does not hold it there` };
      return allowedOn(m, caller, a);
    }

    case "GetToken":
      if (tokenGone(op.token)) return notFound("the token is of another organisation");
      return mayActOn(m, caller, "accounts.read", op.token.account, false) ?? allowed;

    case "RevokeToken": {
      const t = op.token;
      if (tokenGone(t)) return notFound("the token is of another organisation");
      // Rule 6: any caller may revoke the very token it authenticates with.
      if (t === caller) return { outcome: "OK", why: "rule 6: self-revocation" };
      // Revoking a revoked or expired token changes nothing and succeeds (not a rule: the API's retry-safety).
      return mayActOn(m, caller, "tokens.revoke", t.account, true) ?? allowedOn(m, caller, t.account);
    }

    case "RotateToken": {
      const t = op.token;
      if (tokenGone(t)) return notFound("the token is of another organisation");
      const refused = mayActOn(m, caller, "tokens.write", t.account, true);
      if (refused) return refused;
      if (t.revoked || t.expired) return precondition("only an active token can be rotated");
      if (t.rotated) return precondition("the token was already rotated");
      return allowedOn(m, caller, t.account);
    }

    case "RestoreToken": {
      const t = op.token;
      if (tokenGone(t)) return notFound("the token is of another organisation");
      const refused = mayActOn(m, caller, "tokens.write", t.account, true);
      if (refused) return refused;
      if (!t.revoked) return precondition("the token is not revoked");
      if (t.expired) return precondition("the token expired");
      if (t.account.status !== "active") return precondition(`the token's account is ${t.account.status}`);
      return allowedOn(m, caller, t.account);
    }
  }
}

/** The outcome of a call: authentication (and rule 9) first, then `authorise`. */
function predict(m: Model, call: Call): Verdict {
  const { caller, via } = call;
  if (via === "delegate") {
    const delegate = m.delegate!;
    const why = m.cannotAuthenticate(delegate, "tessera");
    if (why) return { outcome: "UNAUTHENTICATED", why };
    // Rule 9: authorised as the subject token, which must allow audience "mcp" when it names audiences.
    const subject = m.cannotAuthenticate(caller, "mcp");
    if (subject) return { outcome: "UNAUTHENTICATED", why: `rule 9: subject token: ${subject}` };
    return authorise(m, caller, call.op);
  }
  const why = m.cannotAuthenticate(caller, "tessera");
  const verdict = why ? { outcome: "UNAUTHENTICATED", why } : authorise(m, caller, call.op);
  if (via !== "act-as") return verdict;
  // Rule 9: a token id never stands for a token. The service may refuse the header outright, or
  // ignore it; either way the call gets no more than the delegate alone.
  return {
    outcome: verdict.outcome,
    why: `rule 9: with act-as, no more than the delegate alone (${verdict.why})`,
    also: ["INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED"],
  };
}

/** What a successful call answered, as far as the model checks it. */
interface Observed {
  id?: string;
  secret?: string;
  accountIds?: string[];
  status?: ServiceAccountStatus;
  managerIds?: string[];
  managerRoles?: string[];
  tokenState?: TokenState;
  next?: { id: string; secret: string };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Applies a successful call to the model; returns how the answer contradicts the model, if it does. */
function apply(m: Model, call: Call, seen: Observed): string | undefined {
  const { op } = call;
  switch (op.kind) {
    case "CreateEnvironment":
      return undefined;
    case "CreateRole":
      m.customRoles.push(op.name);
      m.roles.set(op.name, op.permissions);
      return undefined;
    case "UpdateRole": {
      // Rule 4: widening a role ends the manager designations of the accounts bound to it.
      const before = m.roles.get(op.name) ?? [];
      const widened = !before.includes("*") && op.permissions.some((p) => !before.includes(p));
      m.roles.set(op.name, op.permissions);
      if (widened) {
        for (const a of m.everyAccount()) {
          if (a.status !== "deleted" && a.bindings.some((b) => b.role === op.name)) {
            a.managerIds = [];
            a.managerRoles = [];
          }
        }
      }
      return undefined;
    }
    case "CreateServiceAccount": {
      const label = op.delegate ? "mcp" : `a${m.accounts.length}`;
      const account: Account = {
        id: seen.id!,
        label,
        status: "active",
        bindings: op.bindings,
        managerIds: op.managers?.ids ?? [],
        managerRoles: op.managers?.roles ?? [],
      };
      if (op.delegate) m.delegateAccount = account;
      else m.accounts.push(account);
      return undefined;
    }
    case "ListServiceAccounts": {
      // Rule 2: lists show only accounts whose reach lies within where accounts.read holds.
      const where = holdsWhere(m.effective(call.caller), "accounts.read");
      const visible = m.everyAccount().filter((a) => a.status !== "deleted" && within(reach(m.grantsOf(a.bindings)), where));
      const ids = visible.map((a) => a.id);
      if (sameSet(ids, seen.accountIds!)) return undefined;
      return `listed [${seen.accountIds!.map((id) => labelOf(m, id))}], the model expects [${visible.map((a) => a.label)}] (rule 2)`;
    }
    case "GetServiceAccount": {
      const a = op.account as Account;
      const status = a.status === "active" ? ServiceAccountStatus.ACTIVE : ServiceAccountStatus.DISABLED;
      if (seen.status !== status) return `status ${ServiceAccountStatus[seen.status!]}, the model has ${a.status}`;
      return managersDiffer(m, a, seen);
    }
    case "UpdateServiceAccount": {
      const a = op.account as Account;
      if (op.bindings) {
        // Rule 4: widening the bindings without naming managers clears them.
        const widened = !liesWithin(m.grantsOf(op.bindings), m.grantsOf(a.bindings));
        a.bindings = op.bindings;
        if (widened && !op.managers) {
          a.managerIds = [];
          a.managerRoles = [];
        }
      }
      if (op.managers) {
        a.managerIds = op.managers.ids;
        a.managerRoles = op.managers.roles;
      }
      return managersDiffer(m, a, seen);
    }
    case "DisableServiceAccount":
      (op.account as Account).status = "disabled";
      return undefined;
    case "EnableServiceAccount":
      (op.account as Account).status = "active";
      return undefined;
    case "DeleteServiceAccount": {
      const a = op.account as Account;
      a.status = "deleted";
      for (const t of [...m.tokens, m.delegate]) if (t?.account === a) t.revoked = true;
      return undefined;
    }
    case "CreateToken": {
      const account = op.account as Account;
      const t: Tok = {
        id: seen.id!,
        label: op.delegate ? "tmcp" : `t${m.tokens.length}`,
        secret: seen.secret!,
        account,
        permissions: op.permissions,
        environments: op.environments,
        audiences: op.audiences,
        revoked: false,
        expired: false,
        rotated: false,
      };
      if (op.delegate) m.delegate = t;
      else m.tokens.push(t);
      return undefined;
    }
    case "GetToken": {
      const t = op.token as Tok;
      const state = t.revoked ? TokenState.REVOKED : t.expired ? TokenState.EXPIRED : TokenState.ACTIVE;
      return seen.tokenState === state ? undefined : `state ${TokenState[seen.tokenState!]}, the model has ${TokenState[state]}`;
    }
    case "RevokeToken":
      (op.token as Tok).revoked = true;
      return undefined;
    case "RestoreToken":
      (op.token as Tok).revoked = false;
      return undefined;
    case "RotateToken": {
      const old = op.token as Tok;
      // The old token stops at once with no grace period; with one, it works on but cannot rotate again.
      if (op.graceSeconds === 0) old.expired = true;
      else old.rotated = true;
      m.tokens.push({ ...old, id: seen.next!.id, secret: seen.next!.secret, label: `t${m.tokens.length}`, expired: false, rotated: false });
      return undefined;
    }
  }
}

function managersDiffer(m: Model, a: Account, seen: Observed): string | undefined {
  if (sameSet(a.managerIds, seen.managerIds!) && sameSet(a.managerRoles, seen.managerRoles!)) return undefined;
  return (
    `managers [${seen.managerIds!.map((id) => labelOf(m, id))} | ${seen.managerRoles}], ` +
    `the model has [${a.managerIds.map((id) => labelOf(m, id))} | ${a.managerRoles}] (rule 4)`
  );
}

// =================================================================================================
// Printing
// =================================================================================================

const show = (s: Scope) => (s === "all" ? "all environments" : `{${[...s].join(", ")}}`);
const showBinding = (b: Binding) => `${b.role}@${b.environments === "all" ? "all" : b.environments.join("+")}`;
const showManagers = (m: Model, x: Managers) => `[${x.ids.map((id) => labelOf(m, id))} | ${x.roles}]`;
const labelOf = (m: Model, id: string) => m.everyAccount().find((a) => a.id === id)?.label ?? id;
const targetLabel = (t: Target<Account | Tok>) => (t === "foreign" ? "globex's" : t.label);

function showOp(m: Model, op: Op): string {
  switch (op.kind) {
    case "CreateEnvironment":
      return `CreateEnvironment(${op.name})`;
    case "CreateRole":
    case "UpdateRole":
      return `${op.kind}(${op.name}: ${op.permissions.join(", ")})`;
    case "CreateServiceAccount":
      return `CreateServiceAccount(${op.name}: [${op.bindings.map(showBinding)}]${op.managers ? ` managers ${showManagers(m, op.managers)}` : ""})`;
    case "ListServiceAccounts":
      return "ListServiceAccounts";
    case "UpdateServiceAccount": {
      const parts = [
        op.owner !== undefined ? `owner` : "",
        op.bindings ? `role_bindings [${op.bindings.map(showBinding)}]` : "",
        op.managers ? `managers ${showManagers(m, op.managers)}` : "",
      ].filter(Boolean);
      return `UpdateServiceAccount(${targetLabel(op.account)}: ${parts.join(", ")})`;
    }
    case "CreateToken": {
      const narrowing = [
        op.permissions.length ? `permissions ${op.permissions.join(", ")}` : "",
        op.environments.length ? `environments ${op.environments.join(", ")}` : "",
        op.audiences.length ? `audiences ${op.audiences.join(", ")}` : "",
      ].filter(Boolean);
      return `CreateToken(${targetLabel(op.account)}${narrowing.length ? `: ${narrowing.join("; ")}` : ""})`;
    }
    case "RotateToken":
      return `RotateToken(${targetLabel(op.token)}, grace ${op.graceSeconds} s)`;
    case "GetToken":
    case "RevokeToken":
    case "RestoreToken":
      return `${op.kind}(${targetLabel(op.token)})`;
    default:
      return `${op.kind}(${targetLabel(op.account)})`;
  }
}

function showCall(m: Model, call: Call): string {
  const text = showOp(m, call.op);
  switch (call.via) {
    case "direct":
      return `${call.caller.label}: ${text}`;
    case "delegate":
      return `mcp for subject ${call.caller.label}: ${text}`;
    case "act-as":
      return `mcp with x-tessera-act-as ${call.named!.label}: ${text}`;
    case "alone":
      return `mcp alone: ${text}`;
  }
}

function showState(m: Model): string {
  const lines = [`environments: ${m.environments.join(", ")}`];
  for (const name of m.customRoles) lines.push(`role ${name}: ${m.roles.get(name)!.join(", ")}`);
  for (const a of m.everyAccount()) {
    const managers = a.managerIds.length + a.managerRoles.length > 0 ? ` managers [${a.managerIds.map((id) => labelOf(m, id))} | ${a.managerRoles}]` : "";
    lines.push(`${a.label} ${a.status}: [${a.bindings.map(showBinding)}]${managers}`);
  }
  for (const t of m.delegate ? [...m.tokens, m.delegate] : m.tokens) {
    const state = t.revoked ? "revoked" : t.expired ? "expired" : t.rotated ? "active (rotated)" : "active";
    const narrowing = [
      t.permissions.length ? `permissions ${t.permissions.join(", ")}` : "",
      t.environments.length ? `environments ${t.environments.join(", ")}` : "",
      t.audiences.length ? `audiences ${t.audiences.join(", ")}` : "",
    ].filter(Boolean);
    lines.push(`${t.label} of ${t.account.label} ${state}${narrowing.length ? `; ${narrowing.join("; ")}` : ""}`);
  }
  return lines.map((l) => `    ${l}`).join("\n");
}

// =================================================================================================
// Scenarios: generated with indices, resolved against the model's pools when they run
// =================================================================================================

const environmentNames = ["dev", "stage", "prod"];
// Every identity permission but delegation (data only, from the service's list).
const rolePermissions = identityPermissions.filter((p) => p !== "identity.delegate");
const tokenPermissions = [...rolePermissions, "deploy:write"];

/** "custom": one of the scenario's custom roles (viewer while it has none). */
interface RawRole {
  role: string;
  custom: number;
}
interface RawBinding extends RawRole {
  environments: "all" | number[];
}
interface RawManagers {
  accounts: number[];
  roles: RawRole[];
}
interface RawToken {
  permissions?: string[];
  environments?: number[];
  audiences: string[];
}
/**
 * A target: an index into the model's pool (modulo its size), or into the part of it the caller is
 * designated a manager of (rule 3's exception; the whole pool when there is none), or another
 * organisation's account or token.
 */
interface RawTarget {
  pick: "any" | "managed" | "foreign";
  index: number;
}
type RawOp =
  | { kind: "GetServiceAccount" | "UpdateOwner" | "DisableServiceAccount" | "EnableServiceAccount" | "DeleteServiceAccount"; account: RawTarget }
  | { kind: "ListServiceAccounts" }
  | { kind: "UpdateBindings"; account: RawTarget; add: boolean; bindings: RawBinding[]; managers: RawManagers | undefined }
  | { kind: "UpdateManagers"; account: RawTarget; managers: RawManagers }
  | { kind: "CreateToken"; account: RawTarget; token: RawToken }
  | { kind: "GetToken" | "RestoreToken"; token: RawTarget }
  | { kind: "RotateToken"; token: RawTarget; grace: number }
  | { kind: "RevokeToken"; token: RawTarget; own: boolean }
  | { kind: "CreateServiceAccount"; bindings: RawBinding[]; managers: RawManagers | undefined }
  | { kind: "CreateRole"; permissions: string[] }
  | { kind: "UpdateRole"; role: number; permissions: string[] };
interface RawCall {
  caller: number;
  /**
   * Pick the caller among all tokens, among those that can still authenticate, or among those
   * that also hold the permission the operation needs (so that rules 2-8 get their turn).
   */
  pool: "any" | "usable" | "capable";
  via: Via;
  op: RawOp;
}
interface Scenario {
  environments: number;
  roles: string[][];
  delegate: boolean;
  accounts: { bindings: RawBinding[]; managers: RawManagers | undefined; token: RawToken }[];
  calls: RawCall[];
}

const roleArb: fc.Arbitrary<RawRole> = fc.record({
  role: fc.oneof(
    { weight: 1, arbitrary: fc.constant("admin") },
    { weight: 3, arbitrary: fc.constant("developer") },
    { weight: 2, arbitrary: fc.constant("viewer") },
    { weight: 1, arbitrary: fc.constant("security-analyst") },
    { weight: 1, arbitrary: fc.constant("verifier") },
    { weight: 3, arbitrary: fc.constant("custom") },
  ),
  custom: fc.nat(),
});
const environmentsArb = fc.oneof(fc.constant("all" as const), fc.uniqueArray(fc.nat({ max: 2 }), { minLength: 1, maxLength: 2 }));
const bindingArb: fc.Arbitrary<RawBinding> = fc.record({ role: roleArb, environments: environmentsArb }).map(({ role, environments }) => ({ ...role, environments }));
const bindingsArb = fc.array(bindingArb, { maxLength: 2 });
const managersArb: fc.Arbitrary<RawManagers> = fc.record({
  accounts: fc.array(fc.nat(), { maxLength: 2 }),
  roles: fc.array(roleArb, { maxLength: 2 }),
});
const rolePermissionsArb = fc
  .record({ identity: fc.subarray(rolePermissions, { minLength: 1, maxLength: 4 }), application: fc.boolean() })
  .map(({ identity, application }) => (application ? [...identity, "deploy:write"] : identity));
/** Undefined for two thirds of the values. */
const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const tokenArb: fc.Arbitrary<RawToken> = fc.record({
  permissions: sometimes(fc.subarray(tokenPermissions, { minLength: 1, maxLength: 3 })),
  environments: sometimes(fc.uniqueArray(fc.nat({ max: 2 }), { minLength: 1, maxLength: 2 })),
  audiences: fc.constantFrom<string[]>([], [], [], ["mcp"], ["tessera"], ["mcp", "tessera"]),
});
const targetArb: fc.Arbitrary<RawTarget> = fc.record({
  pick: fc.oneof(
    { weight: 10, arbitrary: fc.constant("any" as const) },
    { weight: 4, arbitrary: fc.constant("managed" as const) },
    { weight: 1, arbitrary: fc.constant("foreign" as const) },
  ),
  index: fc.nat(),
});
const opArb: fc.Arbitrary<RawOp> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("GetServiceAccount" as const), account: targetArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ListServiceAccounts" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("UpdateOwner" as const), account: targetArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("UpdateBindings" as const),
      account: targetArb,
      // Adding a binding to the current ones widens by a little; replacing them is anything.
      add: fc.boolean(),
      bindings: bindingsArb,
      managers: fc.option(managersArb, { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("UpdateManagers" as const), account: targetArb, managers: managersArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom("DisableServiceAccount" as const, "EnableServiceAccount" as const, "DeleteServiceAccount" as const),
      account: targetArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("CreateToken" as const), account: targetArb, token: tokenArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("GetToken" as const, "RestoreToken" as const), token: targetArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("RotateToken" as const), token: targetArb, grace: fc.constantFrom(0, 3600) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("RevokeToken" as const), token: targetArb, own: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("CreateServiceAccount" as const),
      bindings: bindingsArb,
      managers: fc.option(managersArb, { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("CreateRole" as const), permissions: rolePermissionsArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("UpdateRole" as const), role: fc.nat(), permissions: rolePermissionsArb }) },
);
const callArb: fc.Arbitrary<RawCall> = fc.record({
  caller: fc.nat(),
  pool: fc.oneof(
    { weight: 1, arbitrary: fc.constant("any" as const) },
    { weight: 2, arbitrary: fc.constant("usable" as const) },
    { weight: 3, arbitrary: fc.constant("capable" as const) },
  ),
  via: fc.oneof(
    { weight: 6, arbitrary: fc.constant("direct" as const) },
    { weight: 3, arbitrary: fc.constant("delegate" as const) },
    { weight: 1, arbitrary: fc.constant("act-as" as const) },
    { weight: 1, arbitrary: fc.constant("alone" as const) },
  ),
  op: opArb,
});
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  environments: fc.integer({ min: 2, max: 3 }),
  roles: fc.array(rolePermissionsArb, { maxLength: 2 }),
  delegate: fc.boolean(),
  accounts: fc.array(
    fc.record({ bindings: fc.array(bindingArb, { minLength: 1, maxLength: 2 }), managers: fc.option(managersArb, { nil: undefined, freq: 2 }), token: tokenArb }),
    { minLength: 3, maxLength: 6 },
  ),
  calls: fc.array(callArb, { minLength: 5, maxLength: 15 }),
});

const pick = <T>(pool: readonly T[], i: number): T => pool[i % pool.length]!;
const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

function resolveRole(m: Model, r: RawRole): string {
  if (r.role !== "custom") return r.role;
  return m.customRoles.length > 0 ? pick(m.customRoles, r.custom) : "viewer";
}
function resolveEnvironments(m: Model, indices: readonly number[]): string[] {
  return unique(indices.map((i) => pick(m.environments, i)));
}
function resolveBindings(m: Model, raw: readonly RawBinding[]): Binding[] {
  return raw.map((b) => ({
    role: resolveRole(m, b),
    environments: b.environments === "all" ? "all" : resolveEnvironments(m, b.environments),
  }));
}
function resolveManagers(m: Model, raw: RawManagers): Managers {
  const live = m.accounts.filter((a) => a.status !== "deleted");
  return { ids: unique(raw.accounts.map((i) => pick(live, i).id)), roles: unique(raw.roles.map((r) => resolveRole(m, r))) };
}
function accountTarget(m: Model, caller: Tok, t: RawTarget): Target<Account> {
  if (t.pick === "foreign") return "foreign";
  const managed = m.accounts.filter((a) => m.isManager(caller, a));
  return pick(t.pick === "managed" && managed.length > 0 ? managed : m.accounts, t.index);
}
function tokenTarget(m: Model, caller: Tok, t: RawTarget): Target<Tok> {
  if (t.pick === "foreign") return "foreign";
  const managed = m.tokens.filter((x) => m.isManager(caller, x.account));
  return pick(t.pick === "managed" && managed.length > 0 ? managed : m.tokens, t.index);
}

/** The permission each operation needs (to pick capable callers; the model has its own rules). */
const needs: Record<RawOp["kind"], string> = {
  GetServiceAccount: "accounts.read",
  ListServiceAccounts: "accounts.read",
  GetToken: "accounts.read",
  UpdateOwner: "accounts.write",
  UpdateBindings: "accounts.write",
  UpdateManagers: "accounts.write",
  DisableServiceAccount: "accounts.write",
  EnableServiceAccount: "accounts.write",
  DeleteServiceAccount: "accounts.write",
  CreateServiceAccount: "accounts.write",
  CreateToken: "tokens.write",
  RotateToken: "tokens.write",
  RestoreToken: "tokens.write",
  RevokeToken: "tokens.revoke",
  CreateRole: "roles.write",
  UpdateRole: "roles.write",
};

function resolveCall(m: Model, raw: RawCall): Call {
  const via: Via = m.delegate ? raw.via : "direct";
  const usable = m.tokens.filter((t) => !m.cannotAuthenticate(t, via === "delegate" ? "mcp" : "tessera"));
  const capable = usable.filter((t) => !isEmpty(holdsWhere(m.effective(t), needs[raw.op.kind])));
  const pool = raw.pool === "capable" && capable.length > 0 ? capable : raw.pool !== "any" && usable.length > 0 ? usable : m.tokens;
  const pooled = pick(pool, raw.caller);
  const caller = via === "act-as" || via === "alone" ? m.delegate! : pooled;
  const named = via === "act-as" ? pooled : undefined;
  const op = ((): Op => {
    const o = raw.op;
    switch (o.kind) {
      case "GetServiceAccount":
      case "DisableServiceAccount":
      case "EnableServiceAccount":
      case "DeleteServiceAccount":
        return { kind: o.kind, account: accountTarget(m, caller, o.account) };
      case "ListServiceAccounts":
        return o;
      case "UpdateOwner":
        return { kind: "UpdateServiceAccount", account: accountTarget(m, caller, o.account), owner: "team-model" };
      case "UpdateBindings": {
        const account = accountTarget(m, caller, o.account);
        const current = o.add && account !== "foreign" ? account.bindings : [];
        const bindings = [...current, ...resolveBindings(m, o.bindings)];
        return { kind: "UpdateServiceAccount", account, bindings, managers: o.managers && resolveManagers(m, o.managers) };
      }
      case "UpdateManagers":
        return { kind: "UpdateServiceAccount", account: accountTarget(m, caller, o.account), managers: resolveManagers(m, o.managers) };
      case "CreateToken":
        return {
          kind: "CreateToken",
          account: accountTarget(m, caller, o.account),
          permissions: o.token.permissions ?? [],
          environments: resolveEnvironments(m, o.token.environments ?? []),
          audiences: o.token.audiences,
        };
      case "GetToken":
      case "RestoreToken":
        return { kind: o.kind, token: tokenTarget(m, caller, o.token) };
      case "RotateToken":
        return { kind: "RotateToken", token: tokenTarget(m, caller, o.token), graceSeconds: o.grace };
      case "RevokeToken":
        // "own": the token the call authenticates with (for act-as, the token it names).
        return { kind: "RevokeToken", token: o.own ? (named ?? caller) : tokenTarget(m, caller, o.token) };
      case "CreateServiceAccount":
        return {
          kind: "CreateServiceAccount",
          name: `sa-${++m.names}`,
          bindings: resolveBindings(m, o.bindings),
          managers: o.managers && resolveManagers(m, o.managers),
        };
      case "CreateRole":
        return { kind: "CreateRole", name: `role-${++m.names}`, permissions: o.permissions };
      case "UpdateRole":
        return m.customRoles.length > 0
          ? { kind: "UpdateRole", name: pick(m.customRoles, o.role), permissions: o.permissions }
          : { kind: "CreateRole", name: `role-${++m.names}`, permissions: o.permissions };
    }
  })();
  return { caller, via, op, ...(named ? { named } : {}) };
}

/** Set-up tokens ask for no more than their account holds (rule 5 is exercised by the calls). */
function fitToken(m: Model, account: Account, raw: RawToken): Pick<Tok, "permissions" | "environments" | "audiences"> {
  const grants = m.grantsOf(account.bindings);
  const environments = resolveEnvironments(m, raw.environments ?? []).filter((e) => within(new Set([e]), reach(grants)));
  const limit: Scope = environments.length > 0 ? new Set(environments) : "all";
  const permissions = (raw.permissions ?? []).filter((p) => !isEmpty(intersect(holdsWhere(grants, p), limit)));
  return { permissions, environments, audiences: raw.audiences };
}

// =================================================================================================
// Running calls against the service
// =================================================================================================

/** The credentials one call presents; an interceptor turns them into headers. */
interface Presented {
  bearer: string;
  subjectToken?: string;
  actAs?: string;
}
const presentedKey = createContextKey<Presented | undefined>(undefined, { description: "credentials of one call" });
const present: Interceptor = (next) => (req) => {
  const p = req.contextValues.get(presentedKey);
  if (p) {
    req.header.set("authorization", `Bearer ${p.bearer}`);
    if (p.subjectToken !== undefined) req.header.set("x-tessera-subject-token", p.subjectToken);
    if (p.actAs !== undefined) req.header.set("x-tessera-act-as", p.actAs);
  }
  return next(req);
};

const bindingMessage = (b: Binding) =>
  b.environments === "all" ? { role: b.role, allEnvironments: true } : { role: b.role, allEnvironments: false, environments: b.environments };

async function send(c: TesseraClient, m: Model, call: Call, foreign: { accountId: string; tokenId: string }): Promise<Observed> {
  const presented: Presented =
    call.via === "delegate"
      ? { bearer: m.delegate!.secret, subjectToken: call.caller.secret }
      : call.via === "act-as"
        ? { bearer: call.caller.secret, actAs: call.named!.id }
        : { bearer: call.caller.secret };
  const options: CallOptions = { contextValues: createContextValues().set(presentedKey, presented) };
  const accountId = (a: Target<Account>) => (a === "foreign" ? foreign.accountId : a.id);
  const tokenId = (t: Target<Tok>) => (t === "foreign" ? foreign.tokenId : t.id);
  const { op } = call;
  switch (op.kind) {
    case "CreateEnvironment":
      await c.environments.createEnvironment({ name: op.name }, options);
      return {};
    case "CreateRole":
      await c.roles.createRole({ name: op.name, permissions: op.permissions }, options);
      return {};
    case "UpdateRole":
      await c.roles.updateRole({ role: { name: op.name, permissions: op.permissions }, updateMask: { paths: ["permissions"] } }, options);
      return {};
    case "CreateServiceAccount": {
      const { serviceAccount } = await c.accounts.createServiceAccount(
        {
          name: op.name,
          roleBindings: op.bindings.map(bindingMessage),
          managerAccountIds: op.managers?.ids ?? [],
          managerRoles: op.managers?.roles ?? [],
        },
        options,
      );
      return { id: serviceAccount!.id };
    }
    case "ListServiceAccounts": {
      const { serviceAccounts } = await c.accounts.listServiceAccounts({ pageSize: 1000 }, options);
      return { accountIds: serviceAccounts.map((a) => a.id) };
    }
    case "GetServiceAccount": {
      const { serviceAccount } = await c.accounts.getServiceAccount({ id: accountId(op.account) }, options);
      return { status: serviceAccount!.status, managerIds: serviceAccount!.managerAccountIds, managerRoles: serviceAccount!.managerRoles };
    }
    case "UpdateServiceAccount": {
      const paths = [
        ...(op.owner !== undefined ? ["owner"] : []),
        ...(op.bindings ? ["role_bindings"] : []),
        ...(op.managers ? ["manager_account_ids", "manager_roles"] : []),
      ];
      const { serviceAccount } = await c.accounts.updateServiceAccount(
        {
          serviceAccount: {
            id: accountId(op.account),
            owner: op.owner ?? "",
            roleBindings: (op.bindings ?? []).map(bindingMessage),
            managerAccountIds: op.managers?.ids ?? [],
            managerRoles: op.managers?.roles ?? [],
          },
          updateMask: { paths },
        },
        options,
      );
      return { managerIds: serviceAccount!.managerAccountIds, managerRoles: serviceAccount!.managerRoles };
    }
    case "DisableServiceAccount":
      await c.accounts.disableServiceAccount({ id: accountId(op.account) }, options);
      return {};
    case "EnableServiceAccount":
      await c.accounts.enableServiceAccount({ id: accountId(op.account) }, options);
      return {};
    case "DeleteServiceAccount":
      await c.accounts.deleteServiceAccount({ id: accountId(op.account) }, options);
      return {};
    case "CreateToken": {
      const created = await c.tokens.createToken(
        { accountId: accountId(op.account), label: "model", permissions: op.permissions, environments: op.environments, audiences: op.audiences },
        options,
      );
      return { id: created.token!.id, secret: created.secret };
    }
    case "GetToken": {
      const { token } = await c.tokens.getToken({ id: tokenId(op.token) }, options);
      return { tokenState: token!.state };
    }
    case "RotateToken": {
      const rotated = await c.tokens.rotateToken({ id: tokenId(op.token), gracePeriod: { seconds: BigInt(op.graceSeconds) } }, options);
      return { next: { id: rotated.token!.id, secret: rotated.secret } };
    }
    case "RevokeToken":
      await c.tokens.revokeToken({ id: tokenId(op.token), reason: "model" }, options);
      return {};
    case "RestoreToken":
      await c.tokens.restoreToken({ id: tokenId(op.token) }, options);
      return {};
  }
}

const outcomeNames: Partial<Record<Code, Outcome>> = {
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.FailedPrecondition]: "FAILED_PRECONDITION",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
};

// =================================================================================================
// The test
// =================================================================================================

let h: Harness;
let clients: TesseraClient;
let scenarios = 0;
let setUpCalls = 0;
let randomCalls = 0;
const outcomes = new Map<string, number>();

beforeAll(async () => {
  h = await startHarness();
  clients = clientsOver(createConnectTransport({ baseUrl: h.url, httpVersion: "2", interceptors: [present] }));
});
afterAll(async () => {
  const histogram = [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([o, n]) => `${o}: ${n}`).join(", ");
  console.log(
    `authorization model: ${scenarios} scenarios, ${setUpCalls + randomCalls} calls checked ` +
      `(${setUpCalls} set-up, ${randomCalls} random: ${histogram})`,
  );
  await h?.close();
});

interface Disagreement {
  scenario: number;
  summary: string;
  report: string;
}

/** Runs one scenario; returns the first disagreement (the model cannot follow the service past it). */
async function runScenario(index: number, s: Scenario): Promise<Disagreement | undefined> {
  const bootstrap = await bootstrapOrganization(h.identity.store, {
    org: `model-${index}`,
    adminName: "admin",
    tokenPrefix: "tsr",
    tokenPolicy: { maxTtlMs: null, defaultTtlMs: null },
    channel: "cli",
  });
  const m = new Model(environmentNames.slice(0, s.environments));
  const admin: Account = { id: bootstrap.accountId, label: "a0", status: "active", bindings: [{ role: "admin", environments: "all" }], managerIds: [], managerRoles: [] };
  m.accounts.push(admin);
  const adminToken: Tok = {
    id: bootstrap.tokenId,
    label: "t0",
    secret: bootstrap.token,
    account: admin,
    permissions: [],
    environments: [],
    audiences: [],
    revoked: false,
    expired: false,
    rotated: false,
  };
  m.tokens.push(adminToken);
  const log: string[] = [];

  async function check(call: Call, setUp: boolean): Promise<Disagreement | undefined> {
    const verdict = predict(m, call);
    const state = showState(m);
    const text = showCall(m, call);
    let observed: Observed = {};
    let outcome: Outcome = "OK";
    let detail = "";
    try {
      observed = await send(clients, m, call, h.globex);
    } catch (error) {
      const err = ConnectError.from(error);
      outcome = outcomeNames[err.code] ?? Code[err.code] ?? String(err.code);
      const reason = err.findDetails(ErrorDetailSchema)[0]?.reason ?? "";
      detail = ` (${reason ? `${reason}: ` : ""}${err.rawMessage})`;
    }
    if (setUp) setUpCalls++;
    else {
      randomCalls++;
      const key = `${verdict.outcome} ${/^rule \d+/.exec(verdict.why)?.[0] ?? ""}`.trim();
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const accepted = [verdict.outcome, ...(verdict.also ?? [])];
    let differs = accepted.includes(outcome) ? undefined : `${outcome}${detail}`;
    if (!differs && outcome === "OK") {
      const contradiction = apply(m, call, observed);
      if (contradiction) differs = `OK, but ${contradiction}`;
    }
    if (!differs) {
      log.push(`${log.length + 1}. ${text} → ${outcome}`);
      return undefined;
    }
    const rule = /^rule \d+/.exec(verdict.why)?.[0] ?? verdict.why;
    const viaText = call.via === "direct" ? "" : ` via ${call.via}`;
    return {
      scenario: index,
      summary: `${call.op.kind}${viaText}: model ${accepted.join("|")} (${rule}), service ${differs.split(" (")[0]}`,
      report: [
        `scenario ${index} (seed ${seed}); replay: MODEL_SEED=${seed} MODEL_ONLY=${index} npx vitest run test/integration/authorization-model.test.ts`,
        `  call:    ${text}`,
        `  model:   ${accepted.join(" or ")}: ${verdict.why}`,
        `  service: ${differs}`,
        `  state before the call:`,
        state,
        `  calls so far (set-up by t0, the bootstrap admin):`,
        ...log.map((l) => `    ${l}`),
      ].join("\n"),
    };
  }

  const setUp = (op: Op) => check({ caller: adminToken, via: "direct", op }, true);
  for (const name of m.environments) {
    const d = await setUp({ kind: "CreateEnvironment", name });
    if (d) return d;
  }
  for (const permissions of s.roles) {
    const d = await setUp({ kind: "CreateRole", name: `role-${++m.names}`, permissions });
    if (d) return d;
  }
  for (const a of s.accounts) {
    const d = await setUp({ kind: "CreateServiceAccount", name: `sa-${++m.names}`, bindings: resolveBindings(m, a.bindings) });
    if (d) return d;
  }
  if (s.delegate) {
    const bindings: Binding[] = [{ role: "mcp-delegate", environments: "all" }];
    const d = await setUp({ kind: "CreateServiceAccount", name: "mcp-server", bindings, delegate: true });
    if (d) return d;
    const t = await setUp({ kind: "CreateToken", account: m.delegateAccount!, permissions: [], environments: [], audiences: [], delegate: true });
    if (t) return t;
  }
  // Managers, designated by the admin once every account exists; then one token per account.
  for (const [i, a] of s.accounts.entries()) {
    if (!a.managers) continue;
    const d = await setUp({ kind: "UpdateServiceAccount", account: m.accounts[i + 1]!, managers: resolveManagers(m, a.managers) });
    if (d) return d;
  }
  for (const [i, a] of s.accounts.entries()) {
    const account = m.accounts[i + 1]!;
    const d = await setUp({ kind: "CreateToken", account, ...fitToken(m, account, a.token) });
    if (d) return d;
  }

  for (const raw of s.calls) {
    const d = await check(resolveCall(m, raw), false);
    if (d) return d;
  }
  return undefined;
}

describe("authorisation rules", () => {
  it(
    "the service agrees with an independent model of docs/security.md on random scenarios",
    async () => {
      const count = only === undefined ? runs : only + 1;
      const generated = fc.sample(scenarioArb, { seed, numRuns: count });
      const disagreements: Disagreement[] = [];
      for (let i = only ?? 0; i < count; i++) {
        scenarios++;
        const d = await runScenario(i, generated[i]!);
        if (d) disagreements.push(d);
      }
      if (disagreements.length === 0) return;
      const groups = new Map<string, number[]>();
      for (const d of disagreements) groups.set(d.summary, [...(groups.get(d.summary) ?? []), d.scenario]);
      throw new Error(
        [
          `the service and the model disagree in ${disagreements.length} of ${scenarios} scenarios (seed ${seed}); ` +
            "decide for each which side is wrong (docs/security.md, \"The authorisation rules\"):",
          ...[...groups].map(([summary, at]) => `  ${at.length}× ${summary}  [scenarios ${at.slice(0, 8).join(", ")}${at.length > 8 ? ", …" : ""}]`),
          "",
          ...disagreements.slice(0, reportsShown).map((d) => d.report + "\n"),
        ].join("\n"),
      );
    },
    Math.max(120_000, runs * 3_000),
  );
});
