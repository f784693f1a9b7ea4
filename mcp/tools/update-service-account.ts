import { z } from "zod";
import { defineTool } from "../tool.ts";
import { roleBindingSchema, serviceAccountSchema, serviceAccountView, toBinding } from "../views.ts";

export default defineTool({
  name: "update_service_account",
  title: "Update a service account",
  description: [
    "Changes a service account's description, owner, role bindings or managers; only the fields you pass",
    "change. roleBindings replaces the whole list. Pass etag from a previous read to refuse lost updates.",
    "Example: { id: \"sa_…\", roleBindings: [{ role: \"viewer\", environments: \"all\" }] }",
  ].join(" "),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredPermissions: ["accounts.write"],
  inputSchema: {
    id: z.string(),
    description: z.string().optional(),
    owner: z.string().optional(),
    roleBindings: z.array(roleBindingSchema).optional(),
    managerAccountIds: z.array(z.string()).optional(),
    managerRoles: z.array(z.string()).optional(),
    etag: z.string().optional(),
  },
  outputSchema: { serviceAccount: serviceAccountSchema },
  async handler({ id, etag, ...changes }, { identity }) {
    const paths = Object.entries({
      description: changes.description,
      owner: changes.owner,
      role_bindings: changes.roleBindings,
      manager_account_ids: changes.managerAccountIds,
      manager_roles: changes.managerRoles,
    })
      .filter(([, value]) => value !== undefined)
      .map(([path]) => path);
    const { serviceAccount } = await identity.accounts.updateServiceAccount({
      serviceAccount: { ...changes, id, etag, roleBindings: changes.roleBindings?.map(toBinding) },
      updateMask: { paths },
    });
    return { serviceAccount: serviceAccountView(serviceAccount!) };
  },
});
