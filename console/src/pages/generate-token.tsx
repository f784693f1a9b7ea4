// "Generate token": label, expiry within the organisation's policy, narrower permissions and
// environments, audiences; then the secret, once.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type FormEvent } from "react";
import { Dialog, FormFoot } from "../dialog.tsx";
import { days, inDays, list } from "../format.ts";
import { EnvironmentService, OrganizationService, TokenService } from "../methods.ts";
import { SecretOnce } from "./secret-once.tsx";

export function GenerateToken({ accountId, onClose }: { accountId: string; onClose(): void }) {
  const [label, setLabel] = useState("");
  const [expiresInDays, setExpiresInDays] = useState("");
  const [permissions, setPermissions] = useState("");
  const [environments, setEnvironments] = useState<string[]>([]);
  const [audiences, setAudiences] = useState("");
  const organization = useQuery(OrganizationService.method.getOrganization, {});
  const envs = useQuery(EnvironmentService.method.listEnvironments, { pageSize: 1000 });
  const create = useMutation(TokenService.method.createToken);
  const policy = organization.data?.organization?.tokenPolicy;
  const maxDays = inDays(policy?.maxTokenTtl);
  const defaultDays = inDays(policy?.defaultTokenTtl);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      accountId,
      label,
      ttl: expiresInDays ? days(Number(expiresInDays)) : undefined,
      permissions: list(permissions),
      environments,
      audiences: list(audiences),
    });
  };
  if (create.data) {
    return (
      <Dialog title="Token generated" onClose={onClose}>
        <SecretOnce secret={create.data.secret} onDone={onClose} />
      </Dialog>
    );
  }
  return (
    <Dialog title="Generate token" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label>
          Token label
          <input value={label} onChange={(e) => setLabel(e.target.value)} required />
        </label>
        <label>
          Expires in (days)
          <input
            type="number"
            min={1}
            max={maxDays}
            step="any"
            value={expiresInDays}
            onChange={(e) => setExpiresInDays(e.target.value)}
            aria-describedby="expiry-help"
          />
        </label>
        <p id="expiry-help" className="help">
          {maxDays ? `At most ${maxDays} days (organisation policy). ` : "The organisation sets no maximum. "}
          {defaultDays ? `Empty means the default, ${defaultDays} days.` : "Empty means no expiry."}
        </p>
        <label>
          Permissions
          <input value={permissions} onChange={(e) => setPermissions(e.target.value)} aria-describedby="permissions-help" />
        </label>
        <p id="permissions-help" className="help">
          Comma-separated, narrower than the account's (e.g. <code>accounts.read, deploy:write</code>); empty means all of them.
        </p>
        <fieldset>
          <legend>Environments (none chosen: all of the account's)</legend>
          {envs.data?.environments.map((env) => (
            <label key={env.name}>
              <input
                type="checkbox"
                checked={environments.includes(env.name)}
                onChange={(e) => setEnvironments(e.target.checked ? [...environments, env.name] : environments.filter((n) => n !== env.name))}
              />
              {env.name}
            </label>
          ))}
        </fieldset>
        <label>
          Audiences
          <input value={audiences} onChange={(e) => setAudiences(e.target.value)} aria-describedby="audiences-help" />
        </label>
        <p id="audiences-help" className="help">
          Comma-separated services the token may be presented to (e.g. <code>tessera, mcp</code>); empty means any.
        </p>
        <FormFoot error={create.error} submit="Generate token" disabled={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
