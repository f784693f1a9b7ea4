// The organisation's token policy: the longest lifetime a token may have, and the default one.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { ErrorNote } from "../errors.tsx";
import { days, inDays, when } from "../format.ts";
import { OrganizationService } from "../methods.ts";

export function OrganizationPage() {
  const organization = useQuery(OrganizationService.method.getOrganization, {});
  const org = organization.data?.organization;
  if (organization.error) return <ErrorNote error={organization.error} />;
  if (!org) return <p className="loading">Loading…</p>;
  return (
    <>
      <h1>Organisation {org.name}</h1>
      <p>Created {when(org.createTime)}.</p>
      <PolicyForm key={org.name} maxDays={inDays(org.tokenPolicy?.maxTokenTtl)} defaultDays={inDays(org.tokenPolicy?.defaultTokenTtl)} />
    </>
  );
}

// The two lifetimes this form edits, and nothing else of the policy.
const policyPaths = ["token_policy.max_token_ttl", "token_policy.default_token_ttl"];

function PolicyForm({ maxDays, defaultDays }: { maxDays?: number; defaultDays?: number }) {
  const [max, setMax] = useState(maxDays ? String(maxDays) : "");
  const [fallback, setFallback] = useState(defaultDays ? String(defaultDays) : "");
  const update = useMutation(OrganizationService.method.updateOrganization);
  const duration = (text: string) => (text ? days(Number(text)) : undefined);
  return (
    <form
      className="stack narrow"
      onSubmit={(e) => (
        e.preventDefault(),
        update.mutate({ organization: { tokenPolicy: { maxTokenTtl: duration(max), defaultTokenTtl: duration(fallback) } }, updateMask: { paths: policyPaths } })
      )}
    >
      <h2>Token policy</h2>
      <label>
        Maximum token lifetime (days)
        <input type="number" min={1} step="any" value={max} onChange={(e) => setMax(e.target.value)} aria-describedby="max-help" />
      </label>
      <p id="max-help" className="help">
        Empty: tokens may live for ever.
      </p>
      <label>
        Default token lifetime (days)
        <input type="number" min={1} step="any" value={fallback} onChange={(e) => setFallback(e.target.value)} aria-describedby="default-help" />
      </label>
      <p id="default-help" className="help">
        For tokens generated without an expiry. Empty: no expiry.
      </p>
      <ErrorNote error={update.error} />
      {update.isSuccess ? <p role="status">Token policy saved.</p> : null}
      <div className="actions">
        <button type="submit" className="primary">
          Save policy
        </button>
      </div>
    </form>
  );
}
