// Managers of an account: roles and accounts that may act on it without holding all of its access.
import { useQuery } from "@connectrpc/connect-query";
import { ServiceAccountService } from "../methods.ts";

export interface ManagersProps {
  roles: string[];
  managerRoles: string[];
  managerAccountIds: string[];
  onRoles(roles: string[]): void;
  onAccounts(ids: string[]): void;
  /** The account being edited, never its own manager. */
  self?: string;
}

const toggle = (list: string[], item: string, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));

export function Managers({ roles, managerRoles, managerAccountIds, onRoles, onAccounts, self }: ManagersProps) {
  const accounts = useQuery(ServiceAccountService.method.listServiceAccounts, { pageSize: 200 });
  return (
    <fieldset className="managers">
      <legend>Managers</legend>
      <fieldset>
        <legend>Manager roles</legend>
        {roles.map((role) => (
          <label key={role}>
            <input type="checkbox" checked={managerRoles.includes(role)} onChange={(e) => onRoles(toggle(managerRoles, role, e.target.checked))} />
            {role}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Manager accounts</legend>
        {accounts.data?.serviceAccounts
          .filter((a) => a.id !== self)
          .map((a) => (
            <label key={a.id}>
              <input
                type="checkbox"
                checked={managerAccountIds.includes(a.id)}
                onChange={(e) => onAccounts(toggle(managerAccountIds, a.id, e.target.checked))}
              />
              {a.name}
            </label>
          ))}
      </fieldset>
    </fieldset>
  );
}
