// One service account: details, role bindings and managers editable in place, its tokens, and
// disable / enable / delete (delete asks for the account's name).
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Dialog, FormFoot } from "../dialog.tsx";
import { ErrorNote } from "../errors.tsx";
import { when } from "../format.ts";
import { RoleService, ServiceAccountService, ServiceAccountStatus } from "../methods.ts";
import { bindingText, RoleRows, toBindings, type RoleRow } from "../role-rows.tsx";
import { navigate } from "../router.tsx";
import { statusText } from "./accounts-page.tsx";
import { Managers } from "./managers.tsx";
import { TokensSection } from "./tokens-section.tsx";

export function AccountPage({ id }: { id: string }) {
  const account = useQuery(ServiceAccountService.method.getServiceAccount, { id });
  const accounts = useQuery(ServiceAccountService.method.listServiceAccounts, { pageSize: 200 });
  const roles = useQuery(RoleService.method.listRoles, { pageSize: 1000 });
  const update = useMutation(ServiceAccountService.method.updateServiceAccount, { onSuccess: () => setEditing(undefined) });
  const disable = useMutation(ServiceAccountService.method.disableServiceAccount);
  const enable = useMutation(ServiceAccountService.method.enableServiceAccount);
  const [editing, setEditing] = useState<"roles" | "managers">();
  const [rows, setRows] = useState<RoleRow[]>([]);
  const [managerRoles, setManagerRoles] = useState<string[]>([]);
  const [managerAccountIds, setManagerAccountIds] = useState<string[]>([]);
  const [deleting, setDeleting] = useState(false);
  if (account.error) return <ErrorNote error={account.error} />;
  if (!account.data) return <p className="loading">Loading…</p>;
  const a = account.data.serviceAccount!;
  const disabled = a.status === ServiceAccountStatus.DISABLED;
  const nameOf = (accountId: string) => accounts.data?.serviceAccounts.find((x) => x.id === accountId)?.name ?? accountId;
  const save = (paths: string[]) =>
    update.mutate({
      serviceAccount: { id: a.id, etag: a.etag, roleBindings: toBindings(rows), managerRoles, managerAccountIds },
      updateMask: { paths },
    });
  const startEditing = (what: "roles" | "managers") => {
    setRows(a.roleBindings.map((b) => ({ role: b.role, allEnvironments: b.allEnvironments, environments: [...b.environments] })));
    setManagerRoles([...a.managerRoles]);
    setManagerAccountIds([...a.managerAccountIds]);
    update.reset();
    setEditing(what);
  };
  return (
    <>
      <p>
        <a href="#/accounts">← Service accounts</a>
      </p>
      <div className="page-head">
        <h1>{a.displayName || a.name}</h1>
        <div className="actions">
          {disabled ? (
            <button type="button" onClick={() => enable.mutate({ id: a.id })}>
              Enable
            </button>
          ) : (
            <button type="button" onClick={() => disable.mutate({ id: a.id })}>
              Disable
            </button>
          )}
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete account
          </button>
        </div>
      </div>
      <ErrorNote error={disable.error ?? enable.error} />
      <section aria-labelledby="details">
        <h2 id="details">Details</h2>
        <dl className="details">
          <dt>Name</dt>
          <dd>{a.name}</dd>
          <dt>Status</dt>
          <dd>
            <span className={`status ${statusText(a.status).toLowerCase()}`}>{statusText(a.status)}</span>
          </dd>
          <dt>Description</dt>
          <dd>{a.description || "—"}</dd>
          <dt>Owner</dt>
          <dd>{a.owner || "—"}</dd>
          <dt>Created</dt>
          <dd>
            {when(a.createTime)} by {a.createdBy?.accountName ?? "—"}
          </dd>
          <dt>Last used</dt>
          <dd>{when(a.lastUsedTime)}</dd>
          <dt>Id</dt>
          <dd>
            <code>{a.id}</code>
          </dd>
        </dl>
      </section>
      <section aria-labelledby="roles">
        <div className="section-head">
          <h2 id="roles">Role bindings</h2>
          {editing === "roles" ? null : (
            <button type="button" onClick={() => startEditing("roles")}>
              Edit roles
            </button>
          )}
        </div>
        {editing === "roles" ? (
          <form className="stack" onSubmit={(e) => (e.preventDefault(), save(["role_bindings"]))}>
            <RoleRows rows={rows} onChange={setRows} idPrefix="edit" />
            <FormFoot error={update.error} submit="Save roles" disabled={update.isPending} onCancel={() => setEditing(undefined)} />
          </form>
        ) : (
          <ul>
            {a.roleBindings.map((b, i) => (
              <li key={i}>{bindingText(b)}</li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="managers">
        <div className="section-head">
          <h2 id="managers">Managers</h2>
          {editing === "managers" ? null : (
            <button type="button" onClick={() => startEditing("managers")}>
              Edit managers
            </button>
          )}
        </div>
        {editing === "managers" ? (
          <form className="stack" onSubmit={(e) => (e.preventDefault(), save(["manager_roles", "manager_account_ids"]))}>
            <Managers
              roles={roles.data?.roles.map((r) => r.name) ?? []}
              managerRoles={managerRoles}
              managerAccountIds={managerAccountIds}
              onRoles={setManagerRoles}
              onAccounts={setManagerAccountIds}
              self={a.id}
            />
            <FormFoot error={update.error} submit="Save managers" disabled={update.isPending} onCancel={() => setEditing(undefined)} />
          </form>
        ) : (
          <p>
            {[...a.managerRoles.map((r) => `role ${r}`), ...a.managerAccountIds.map((m) => nameOf(m))].join(", ") || "No managers."}
          </p>
        )}
      </section>
      <TokensSection account={a} />
      {deleting ? <DeleteAccount id={a.id} name={a.name} onClose={() => setDeleting(false)} /> : null}
    </>
  );
}

function DeleteAccount({ id, name, onClose }: { id: string; name: string; onClose(): void }) {
  const [typed, setTyped] = useState("");
  const remove = useMutation(ServiceAccountService.method.deleteServiceAccount, {
    onSuccess: () => {
      onClose();
      navigate("accounts");
    },
  });
  return (
    <Dialog title="Delete service account" onClose={onClose}>
      <form className="stack" onSubmit={(e) => (e.preventDefault(), remove.mutate({ id }))}>
        <p>
          Deleting <strong>{name}</strong> revokes every token it owns at once. It cannot be undone.
        </p>
        <label>
          Type the account's name to confirm
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
        <FormFoot error={remove.error} submit={`Delete ${name}`} kind="danger" disabled={typed !== name || remove.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
