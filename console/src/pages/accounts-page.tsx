// Service accounts: the list with its columns, search by name, filters by status and role, and
// the "Create service account" slide-out.
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { ErrorNote } from "../errors.tsx";
import { when } from "../format.ts";
import { RoleService, ServiceAccountService, ServiceAccountStatus } from "../methods.ts";
import { bindingText } from "../role-rows.tsx";
import { Link } from "../router.tsx";
import { CreateAccount } from "./create-account.tsx";

export const statusText = (status: ServiceAccountStatus) => (status === ServiceAccountStatus.DISABLED ? "Disabled" : "Active");

export function AccountsPage() {
  const [namePrefix, setNamePrefix] = useState("");
  const [status, setStatus] = useState(ServiceAccountStatus.UNSPECIFIED);
  const [role, setRole] = useState("");
  const [creating, setCreating] = useState(false);
  const roles = useQuery(RoleService.method.listRoles, { pageSize: 1000 });
  const accounts = useQuery(ServiceAccountService.method.listServiceAccounts, { pageSize: 200, namePrefix: namePrefix.trim(), status, role });
  return (
    <>
      <div className="page-head">
        <h1>Service accounts</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create service account
        </button>
      </div>
      <search className="filters" aria-label="Filter service accounts">
        <label>
          Search by name
          <input type="search" value={namePrefix} onChange={(e) => setNamePrefix(e.target.value)} />
        </label>
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(Number(e.target.value))}>
            <option value={ServiceAccountStatus.UNSPECIFIED}>Any status</option>
            <option value={ServiceAccountStatus.ACTIVE}>Active</option>
            <option value={ServiceAccountStatus.DISABLED}>Disabled</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-role">Role</label>
          <select id="filter-role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">Any role</option>
            {roles.data?.roles.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
      </search>
      <ErrorNote error={accounts.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Service accounts">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Display name</th>
              <th scope="col">Roles</th>
              <th scope="col">Created</th>
              <th scope="col">Active tokens</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {accounts.data?.serviceAccounts.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to={["accounts", a.id]}>{a.name}</Link>
                </td>
                <td>{a.displayName}</td>
                <td>{a.roleBindings.map(bindingText).join("; ")}</td>
                <td>{when(a.createTime)}</td>
                <td>{a.activeTokenCount}</td>
                <td>{when(a.lastUsedTime)}</td>
                <td>
                  <span className={`status ${statusText(a.status).toLowerCase()}`}>{statusText(a.status)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {accounts.data?.serviceAccounts.length === 0 ? <p>No service accounts match.</p> : null}
      </div>
      {creating ? <CreateAccount onClose={() => setCreating(false)} /> : null}
    </>
  );
}
