// Role rows, as in the create slide-out and the account's bindings: a role, and its scope "All
// environments" or a chosen list; "Add role" adds a row.
import { useQuery } from "@connectrpc/connect-query";
import { EnvironmentService, RoleService } from "./methods.ts";

export interface RoleRow {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

export const emptyRow = (): RoleRow => ({ role: "", allEnvironments: true, environments: [] });

/** The rows as the API's role bindings (rows without a role are left out). */
export const toBindings = (rows: RoleRow[]) =>
  rows.filter((r) => r.role).map((r) => ({ role: r.role, allEnvironments: r.allEnvironments, environments: r.allEnvironments ? [] : r.environments }));

export function RoleRows({ rows, onChange, idPrefix }: { rows: RoleRow[]; onChange(rows: RoleRow[]): void; idPrefix: string }) {
  const roles = useQuery(RoleService.method.listRoles, { pageSize: 1000 });
  const environments = useQuery(EnvironmentService.method.listEnvironments, { pageSize: 1000 });
  const update = (index: number, change: Partial<RoleRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  return (
    <div className="role-rows">
      {rows.map((row, index) => {
        const id = `${idPrefix}-role-${index}`;
        return (
          <fieldset key={index} className="role-row">
            <legend>Role {index + 1}</legend>
            <label htmlFor={id}>Role</label>
            <select id={id} value={row.role} onChange={(e) => update(index, { role: e.target.value })}>
              <option value="">Choose a role</option>
              {roles.data?.roles.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.name}
                </option>
              ))}
            </select>
            <div role="radiogroup" aria-label={`Scope of role ${index + 1}`} className="scope">
              <label>
                <input type="radio" name={`${id}-scope`} checked={row.allEnvironments} onChange={() => update(index, { allEnvironments: true })} />
                All environments
              </label>
              <label>
                <input type="radio" name={`${id}-scope`} checked={!row.allEnvironments} onChange={() => update(index, { allEnvironments: false })} />
                Chosen environments
              </label>
            </div>
            {row.allEnvironments ? null : (
              <fieldset className="environments">
                <legend>Environments of role {index + 1}</legend>
                {environments.data?.environments.length ? null : <p>No environments yet: add them on the Environments page.</p>}
                {environments.data?.environments.map((env) => (
                  <label key={env.name}>
                    <input
                      type="checkbox"
                      checked={row.environments.includes(env.name)}
                      onChange={(e) =>
                        update(index, {
                          environments: e.target.checked ? [...row.environments, env.name] : row.environments.filter((n) => n !== env.name),
                        })
                      }
                    />
                    {env.name}
                  </label>
                ))}
              </fieldset>
            )}
            <button type="button" className="link" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
              Remove role {index + 1}
            </button>
          </fieldset>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, emptyRow()])}>
        Add role
      </button>
    </div>
  );
}

/** "developer (staging, fintech)", "admin (all environments)". */
export function bindingText(binding: RoleRow): string {
  return `${binding.role} (${binding.allEnvironments ? "all environments" : binding.environments.join(", ")})`;
}
