// The "Create service account" slide-out: name, description, owner, role rows, managers.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type FormEvent } from "react";
import { Dialog, FormFoot } from "../dialog.tsx";
import { RoleService, ServiceAccountService } from "../methods.ts";
import { emptyRow, RoleRows, toBindings, type RoleRow } from "../role-rows.tsx";
import { navigate } from "../router.tsx";
import { Managers } from "./managers.tsx";

export function CreateAccount({ onClose }: { onClose(): void }) {
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [description, setDescription] = useState("");
  const [owner, setOwner] = useState("");
  const [rows, setRows] = useState<RoleRow[]>([emptyRow()]);
  const [managerRoles, setManagerRoles] = useState<string[]>([]);
  const [managerAccountIds, setManagerAccountIds] = useState<string[]>([]);
  const roles = useQuery(RoleService.method.listRoles, { pageSize: 1000 });
  const create = useMutation(ServiceAccountService.method.createServiceAccount, {
    onSuccess: ({ serviceAccount }) => {
      onClose();
      navigate("accounts", serviceAccount!.id);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, displayName, description, owner, roleBindings: toBindings(rows), managerRoles, managerAccountIds });
  };
  return (
    <Dialog title="Create service account" onClose={onClose} side>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required aria-describedby="name-help" />
        </label>
        <p id="name-help" className="help">
          Lowercase letters, digits and dashes, e.g. <code>ci-deployer</code>.
        </p>
        <label>
          Display name
          <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label>
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} />
        </label>
        <label>
          Owner
          <input value={owner} onChange={(e) => setOwner(e.target.value)} />
        </label>
        <h3>Roles</h3>
        <RoleRows rows={rows} onChange={setRows} idPrefix="create" />
        <Managers
          roles={roles.data?.roles.map((r) => r.name) ?? []}
          managerRoles={managerRoles}
          managerAccountIds={managerAccountIds}
          onRoles={setManagerRoles}
          onAccounts={setManagerAccountIds}
        />
        <FormFoot error={create.error} submit="Create" disabled={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
