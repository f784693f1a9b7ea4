// Environments: the names that role bindings and tokens are scoped to.
import { ObjectId } from "mongodb";
import { failedPrecondition, notFound } from "../domain/errors.ts";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import * as valid from "../domain/validation.ts";
import { requirePermission } from "../policy/access.ts";
import type { EnvironmentDoc } from "../store/documents.ts";
import type { Deps } from "./deps.ts";
import { outcome, type Call, type Outcome } from "./effects.ts";

export async function listEnvironments(
  deps: Deps,
  call: Call,
  input: { pageSize: number; pageToken: string },
): Promise<Outcome<{ environments: EnvironmentDoc[]; nextPageToken: string }>> {
  const pageSize = valid.pageSize("page_size", input.pageSize);
  const scope = { list: "environments", org: call.caller.org };
  const page = await deps.store.environments.list(call.caller.org, pageSize, decodePageToken(input.pageToken, scope));
  return outcome(call, { environments: page.items, nextPageToken: page.nextAfter ? encodePageToken(page.nextAfter, scope) : "" });
}

export async function createEnvironment(deps: Deps, call: Call, input: { name: string; description: string }): Promise<Outcome<EnvironmentDoc>> {
  const { caller, effects } = call;
  const name = valid.name("name", input.name);
  effects.on(name);
  requirePermission(caller, "environments.write");
  const doc: EnvironmentDoc = {
    _id: new ObjectId(),
    org: caller.org,
    name,
    description: valid.text("description", input.description, 1024),
    createTime: new Date(),
  };
  await deps.store.environments.insert(doc, effects.commit());
  return outcome(call, doc);
}

export async function deleteEnvironment(deps: Deps, call: Call, input: { name: string }): Promise<Outcome<void>> {
  const { caller, effects } = call;
  const name = valid.name("name", input.name);
  effects.on(name);
  requirePermission(caller, "environments.write");
  const bindings = await deps.store.accounts.countUsingEnvironment(caller.org, name);
  const tokens = await deps.store.tokens.countUsingEnvironment(caller.org, name, new Date());
  if (bindings + tokens > 0) {
    throw failedPrecondition(
      `the environment is used by ${bindings} service account(s) and ${tokens} active token(s); remove those first`,
      "environment_in_use",
    );
  }
  if (!(await deps.store.environments.delete(caller.org, name, effects.commit()))) throw notFound("environment", name);
  return outcome(call, undefined);
}
