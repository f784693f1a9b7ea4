// Roles: built-in ones read-only, custom ones created, edited and deleted here.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import type { Role } from "../../../gen/tessera/identity/v1/role_pb.ts";
import { ErrorNote } from "../errors.tsx";
import { list } from "../format.ts";
import { RoleService } from "../methods.ts";

export function RolesPage() {
  const roles = useQuery(RoleService.method.listRoles, { pageSize: 1000 });
  const create = useMutation(RoleService.method.createRole, { onSuccess: () => (setName(""), setDescription(""), setPermissions("")) });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [permissions, setPermissions] = useState("");
  return (
    <>
      <h1>Roles</h1>
      <ErrorNote error={roles.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Roles">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Permissions</th>
              <th scope="col">Kind</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {roles.data?.roles.map((role) => (
              <RoleRow key={role.name} role={role} />
            ))}
          </tbody>
        </table>
      </div>
      <h2>Create a custom role</h2>
      <form className="stack narrow" onSubmit={(e) => (e.preventDefault(), create.mutate({ name, description, permissions: list(permissions) }))}>
        <label>
          Role name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Role description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Role permissions
          <input value={permissions} onChange={(e) => setPermissions(e.target.value)} placeholder="accounts.read, deploy:write" required />
        </label>
        <ErrorNote error={create.error} />
        <div className="actions">
          <button type="submit" className="primary">
            Create role
          </button>
        </div>
      </form>
    </>
  );
}

function RoleRow({ role }: { role: Role }) {
  const [editing, setEditing] = useState(false);
  const [permissions, setPermissions] = useState(role.permissions.join(", "));
  const update = useMutation(RoleService.method.updateRole, { onSuccess: () => setEditing(false) });
  const remove = useMutation(RoleService.method.deleteRole);
  return (
    <tr>
      <td>{role.name}</td>
      <td>{role.description}</td>
      <td>
        {editing ? (
          <form onSubmit={(e) => (e.preventDefault(), update.mutate({ role: { name: role.name, permissions: list(permissions) }, updateMask: { paths: ["permissions"] } }))}>
            <label>
              Permissions of {role.name}
              <input value={permissions} onChange={(e) => setPermissions(e.target.value)} />
            </label>
            <button type="submit">Save</button>
            <ErrorNote error={update.error} />
          </form>
        ) : (
          role.permissions.join(", ")
        )}
      </td>
      <td>{role.builtIn ? "Built-in (read-only)" : "Custom"}</td>
      <td className="row-actions">
        {role.builtIn ? null : (
          <>
            <button type="button" onClick={() => setEditing(!editing)}>
              {editing ? "Cancel" : `Edit`}
            </button>
            <button type="button" className="danger" onClick={() => remove.mutate({ name: role.name })} aria-label={`Delete role ${role.name}`}>
              Delete
            </button>
            <ErrorNote error={remove.error} />
          </>
        )}
      </td>
    </tr>
  );
}
