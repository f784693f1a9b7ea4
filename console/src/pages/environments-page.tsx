// Environments: the names role bindings and tokens can be scoped to.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { ErrorNote } from "../errors.tsx";
import { when } from "../format.ts";
import { EnvironmentService } from "../methods.ts";

export function EnvironmentsPage() {
  const environments = useQuery(EnvironmentService.method.listEnvironments, { pageSize: 1000 });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation(EnvironmentService.method.createEnvironment, { onSuccess: () => (setName(""), setDescription("")) });
  const remove = useMutation(EnvironmentService.method.deleteEnvironment);
  return (
    <>
      <h1>Environments</h1>
      <ErrorNote error={environments.error ?? remove.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Environments">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {environments.data?.environments.map((env) => (
              <tr key={env.name}>
                <td>{env.name}</td>
                <td>{env.description}</td>
                <td>{when(env.createTime)}</td>
                <td>
                  <button type="button" className="danger" onClick={() => remove.mutate({ name: env.name })} aria-label={`Delete environment ${env.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Add an environment</h2>
      <form className="stack narrow" onSubmit={(e) => (e.preventDefault(), create.mutate({ name, description }))}>
        <label>
          Environment name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Environment description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <ErrorNote error={create.error} />
        <div className="actions">
          <button type="submit" className="primary">
            Add environment
          </button>
        </div>
      </form>
    </>
  );
}
