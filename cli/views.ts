// What tables and detail views show of accounts and tokens: the columns of the product's pages.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { accountStatusName, tokenStateName } from "../client/states.ts";
import type { ServiceAccount } from "../gen/tessera/identity/v1/service_account_pb.ts";
import type { Token } from "../gen/tessera/identity/v1/token_pb.ts";
import { bindingText } from "./bindings.ts";
import type { Cell, Column, Row } from "./terminal.ts";

/** A time, or null ("never") when there is none. */
export const timeOrNever = (t: Timestamp | undefined): Date | null => (t ? timestampDate(t) : null);
export const time = (t: Timestamp | undefined): Date | undefined => (t ? timestampDate(t) : undefined);

export const accountColumns: Column[] = [
  { key: "name", keep: true },
  { key: "displayName", drop: 2 },
  { key: "roles" },
  { key: "created", drop: 1 },
  { key: "activeTokens", header: "TOKENS" },
  { key: "lastUsed" },
  { key: "status" },
];

export function accountRow(a: ServiceAccount): Row {
  return {
    name: a.name,
    displayName: a.displayName,
    roles: a.roleBindings.map(bindingText),
    created: time(a.createTime),
    activeTokens: a.activeTokenCount,
    lastUsed: timeOrNever(a.lastUsedTime),
    status: accountStatusName(a.status),
  };
}

/** Columns of a token table; `account` when the tokens are of several accounts. */
export function tokenColumns(options: { account: boolean; tty: boolean }): Column[] {
  return [
    { key: "id", keep: true },
    ...(options.account ? [{ key: "account" }] : []),
    { key: "label" },
    { key: "hint", drop: 2 },
    { key: "expires" },
    { key: "lastUsed" },
    { key: "uses24h", header: "USES 24H", drop: 1 },
    { key: "status" },
    ...(options.tty ? [{ key: "rotation" }] : [{ key: "rotatedFrom" }, { key: "rotatedTo" }]),
  ];
}

/** Uses in the last 24 hours, from the token's hourly usage. */
export const uses24h = (t: Token) => t.hourlyUsage.reduce((sum, h) => sum + Number(h.count), 0);

/**
 * `options.hints`: the hints of the tokens listed beside this one; on a terminal a rotation names
 * the other token by its hint when it is among them ("→ …9jzC"), as people recognise tokens.
 */
export function tokenRow(t: Token, options: { tty: boolean; accountNames?: Map<string, string>; hints?: Map<string, string> }): Row {
  const other = (id: string) => (options.hints?.has(id) ? `…${options.hints.get(id)}` : id);
  const rotation = [t.rotatedFromTokenId && `← ${other(t.rotatedFromTokenId)}`, t.rotatedToTokenId && `→ ${other(t.rotatedToTokenId)}`]
    .filter(Boolean)
    .join(" ");
  return {
    id: t.id,
    account: options.accountNames?.get(t.accountId) ?? t.accountId,
    label: t.label,
    hint: options.tty ? `…${t.hint}` : t.hint,
    expires: timeOrNever(t.expireTime),
    lastUsed: timeOrNever(t.lastUsedTime),
    uses24h: uses24h(t),
    status: tokenStateName(t.state) ?? "",
    rotation,
    rotatedFrom: t.rotatedFromTokenId,
    rotatedTo: t.rotatedToTokenId,
  };
}

/** The fields of one account: [key for scripts, label for people, value]. */
export function accountFields(a: ServiceAccount, managerNames: Map<string, string> = new Map()): [string, string, Cell][] {
  const creator = a.createdBy?.accountName || a.createdBy?.accountId;
  return [
    ["id", "ID", a.id],
    ["name", "NAME", a.name],
    ["displayName", "DISPLAY NAME", a.displayName],
    ["status", "STATUS", accountStatusName(a.status)],
    ["description", "DESCRIPTION", a.description],
    ["owner", "OWNER", a.owner],
    ["roles", "ROLES", a.roleBindings.map(bindingText)],
    ["managerAccounts", "MANAGER ACCOUNTS", a.managerAccountIds.map((id) => managerNames.get(id) ?? id)],
    ["managerRoles", "MANAGER ROLES", a.managerRoles],
    ["createdBy", "CREATED BY", creator],
    ["created", "CREATED", time(a.createTime)],
    ["updated", "UPDATED", time(a.updateTime)],
    ["lastUsed", "LAST USED", timeOrNever(a.lastUsedTime)],
    ["activeTokens", "ACTIVE TOKENS", a.activeTokenCount],
    ["etag", "ETAG", a.etag],
  ];
}

/** Token rows for a table: rotations name the other token by its hint when it is listed too. */
export function tokenRows(tokens: readonly Token[], options: { tty: boolean; accountNames?: Map<string, string> }): Row[] {
  const hints = new Map(tokens.map((t) => [t.id, t.hint]));
  return tokens.map((t) => tokenRow(t, { ...options, hints }));
}
