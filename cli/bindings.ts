// Role bindings as the CLI edits them: "developer@staging,production" adds to or takes from what an
// account holds, so `accounts update --add-role/--remove-role` changes one binding and keeps the rest.
import type { RoleBinding } from "../gen/tessera/identity/v1/common_pb.ts";
import { UsageError } from "./output.ts";
import { parseBinding } from "./parse.ts";

export interface Binding {
  role: string;
  allEnvironments: boolean;
  environments: string[];
}

/** "developer" (all environments) or "developer@staging,production". */
export const bindingText = (b: Pick<RoleBinding, "role" | "allEnvironments" | "environments">) =>
  b.allEnvironments ? b.role : `${b.role}@${b.environments.join(",")}`;

/** A flag's "role[@env,…]" as a binding. */
export function bindingOf(value: string, flag: string): Binding {
  const b = parseBinding(value, flag);
  return { role: b.role, allEnvironments: "allEnvironments" in b, environments: "environments" in b ? b.environments : [] };
}

const copy = (bindings: readonly Binding[]): Binding[] =>
  bindings.map((b) => ({ role: b.role, allEnvironments: b.allEnvironments, environments: [...b.environments] }));

/** `bindings` with `add` granted too: its environments join the role's binding, or all replace them. */
export function addBinding(bindings: readonly Binding[], add: Binding): Binding[] {
  const result = copy(bindings);
  const existing = result.find((b) => b.role === add.role);
  if (!existing) return [...result, { ...add, environments: [...add.environments] }];
  if (existing.allEnvironments) return result;
  if (add.allEnvironments) {
    existing.allEnvironments = true;
    existing.environments = [];
  } else {
    existing.environments = [...new Set([...existing.environments, ...add.environments])];
  }
  return result;
}

/**
 * `bindings` without `remove`: the whole role, or only the named environments of it. Taking some
 * environments from a role bound in all of them cannot be said as a binding, so it is refused.
 * `removed` is false when the account did not hold what was to be removed.
 */
export function removeBinding(bindings: readonly Binding[], remove: Binding, flag: string): { bindings: Binding[]; removed: boolean } {
  const result = copy(bindings);
  const ofRole = result.filter((b) => b.role === remove.role);
  if (remove.allEnvironments) return { bindings: result.filter((b) => b.role !== remove.role), removed: ofRole.length > 0 };
  if (ofRole.some((b) => b.allEnvironments)) {
    throw new UsageError(
      `${flag} ${bindingText(remove)}: ${remove.role} is bound in all environments; remove it with ${flag} ${remove.role} and add back the environments it should keep with --add-role`,
    );
  }
  let removed = false;
  for (const b of ofRole) {
    const kept = b.environments.filter((e) => !remove.environments.includes(e));
    removed ||= kept.length < b.environments.length;
    b.environments = kept;
  }
  return { bindings: result.filter((b) => b.allEnvironments || b.environments.length > 0), removed };
}
