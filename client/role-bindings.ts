// Role bindings and grants hold in every environment or in a list of them. The API says which with
// a flag beside the list; people and models say "all" or name the environments.

/** "all", or the environments a binding or grant is limited to. */
export type EnvironmentScope = "all" | string[];

/** The scope of a binding or grant as the API returns it. */
export function environmentScope(binding: { allEnvironments: boolean; environments: string[] }): EnvironmentScope {
  return binding.allEnvironments ? "all" : binding.environments;
}

/** A role binding for the API: `role` in every environment, or only in the named ones. */
export function roleBinding(role: string, environments: EnvironmentScope): { role: string; allEnvironments: true } | { role: string; environments: string[] } {
  return environments === "all" ? { role, allEnvironments: true } : { role, environments };
}
