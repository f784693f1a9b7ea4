// The caller's organisation and its token lifetime policy.
import { invalidArgument, notFound } from "../domain/errors.ts";
import { assertPolicyConsistent, minRevokeUnusedAfterMs, type TokenPolicy } from "../domain/token-policy.ts";
import * as valid from "../domain/validation.ts";
import { everywhere, wildcardPermission } from "../domain/permissions.ts";
import { requirePermission, requireWithin } from "../policy/access.ts";
import type { OrganizationDoc } from "../store/documents.ts";
import type { Deps } from "./deps.ts";
import { outcome, type Call, type Outcome } from "./effects.ts";

const maxTtlPath = "token_policy.max_token_ttl";
const defaultTtlPath = "token_policy.default_token_ttl";
const revokeUnusedPath = "token_policy.revoke_unused_after";
const updatablePaths = [maxTtlPath, defaultTtlPath, revokeUnusedPath, "token_policy"];

export async function getOrganization(deps: Deps, call: Call): Promise<Outcome<OrganizationDoc>> {
  const organization = await deps.store.organizations.find(call.caller.org);
  if (!organization) throw notFound("organisation", call.caller.org);
  return outcome(call, organization);
}

export async function updateOrganization(
  deps: Deps,
  call: Call,
  input: {
    tokenPolicy: { maxTokenTtl?: valid.WireTime; defaultTokenTtl?: valid.WireTime; revokeUnusedAfter?: valid.WireTime } | undefined;
    paths: readonly string[];
  },
): Promise<Outcome<OrganizationDoc>> {
  const { caller, effects } = call;
  effects.on(caller.org);
  requirePermission(caller, "org.write");
  const { paths } = input;
  const unknown = paths.find((p) => !updatablePaths.includes(p));
  if (paths.length === 0 || unknown) throw invalidArgument("update_mask", `use: ${updatablePaths.join(", ")}`);
  const current = await deps.store.organizations.find(caller.org);
  if (!current) throw notFound("organisation", caller.org);
  const policy: TokenPolicy = { ...current.tokenPolicy };
  const all = paths.includes("token_policy");
  if (all || paths.includes(maxTtlPath)) {
    policy.maxTtlMs = valid.duration(`organization.${maxTtlPath}`, input.tokenPolicy?.maxTokenTtl, false) ?? null;
  }
  if (all || paths.includes(defaultTtlPath)) {
    policy.defaultTtlMs = valid.duration(`organization.${defaultTtlPath}`, input.tokenPolicy?.defaultTokenTtl, false) ?? null;
  }
  if (all || paths.includes(revokeUnusedPath)) {
    // The policy revokes the tokens of every account, superiors' included (rule 3): only a caller
    // holding everything everywhere may set it.
    requireWithin(caller, new Map([[wildcardPermission, everywhere]]), "the unused-token policy, which revokes any account's tokens,");
    const field = `organization.${revokeUnusedPath}`;
    policy.revokeUnusedAfterMs = valid.duration(field, input.tokenPolicy?.revokeUnusedAfter, false) ?? null;
    if (policy.revokeUnusedAfterMs !== null && policy.revokeUnusedAfterMs < minRevokeUnusedAfterMs) {
      throw invalidArgument(field, "must be at least one day");
    }
  }
  assertPolicyConsistent(policy);
  const updated = await deps.store.organizations.updatePolicy(caller.org, policy, effects.commit());
  if (!updated) throw notFound("organisation", caller.org);
  return outcome(call, updated);
}
