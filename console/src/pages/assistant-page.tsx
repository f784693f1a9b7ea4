// "Connect an assistant": the MCP configuration for Claude Code, Cursor and VS Code for a chosen
// token. The token itself stays in an environment variable; the files only name the variable.
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { ErrorNote } from "../errors.tsx";
import { ServiceAccountService, TokenService, TokenState } from "../methods.ts";

export function AssistantPage() {
  const [accountId, setAccountId] = useState("");
  const [tokenId, setTokenId] = useState("");
  const [url, setUrl] = useState(`${window.location.protocol}//${window.location.hostname}:8081/mcp`);
  const accounts = useQuery(ServiceAccountService.method.listServiceAccounts, { pageSize: 200 });
  const tokens = useQuery(TokenService.method.listTokens, { accountId, pageSize: 200, state: TokenState.ACTIVE }, { enabled: accountId !== "" });
  const account = accounts.data?.serviceAccounts.find((a) => a.id === accountId);
  const token = tokens.data?.tokens.find((t) => t.id === tokenId);
  const variable = `TESSERA_TOKEN_${(account?.name ?? "assistant").toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const configs = [
    { name: "Claude Code", file: ".mcp.json", body: { mcpServers: { tessera: { type: "http", url, headers: { Authorization: `Bearer \${${variable}}` } } } } },
    { name: "Cursor", file: ".cursor/mcp.json", body: { mcpServers: { tessera: { url, headers: { Authorization: `Bearer \${env:${variable}}` } } } } },
    { name: "VS Code", file: ".vscode/mcp.json", body: { servers: { tessera: { type: "http", url, headers: { Authorization: `Bearer \${env:${variable}}` } } } } },
  ];
  return (
    <>
      <h1>Connect an assistant</h1>
      <p>
        Give each assistant a service account and a token of its own, narrowed to what it needs (a token naming audiences must
        include <code>mcp</code>). The configuration below reads the token from an environment variable: never paste the secret into
        a file that may be committed.
      </p>
      <form className="stack narrow" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="assistant-account">Service account</label>
          <select id="assistant-account" value={accountId} onChange={(e) => (setAccountId(e.target.value), setTokenId(""))}>
            <option value="">Choose an account</option>
            {accounts.data?.serviceAccounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="assistant-token">Token</label>
          <select id="assistant-token" value={tokenId} onChange={(e) => setTokenId(e.target.value)} disabled={!accountId}>
            <option value="">Choose an active token</option>
            {tokens.data?.tokens.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label || "unlabelled"} (…{t.hint})
              </option>
            ))}
          </select>
        </div>
        <label>
          MCP server URL
          <input value={url} onChange={(e) => setUrl(e.target.value)} />
        </label>
      </form>
      <ErrorNote error={accounts.error ?? tokens.error} />
      {token ? (
        <>
          <h2>1. Put the token in the environment</h2>
          <p>
            In the shell or secret manager that starts the assistant, set <code>{variable}</code> to the secret of the token{" "}
            <strong>{token.label || token.hint}</strong> (…{token.hint}), which was shown once when it was generated:
          </p>
          <pre>
            <code>{`export ${variable}=<the token's secret>`}</code>
          </pre>
          {configs.map((config) => (
            <section key={config.name} aria-labelledby={`config-${config.file}`}>
              <h2 id={`config-${config.file}`}>
                {config.name}: <code>{config.file}</code>
              </h2>
              <pre tabIndex={0} aria-label={`${config.name} configuration`}>
                <code>{JSON.stringify(config.body, null, 2)}</code>
              </pre>
            </section>
          ))}
        </>
      ) : null}
    </>
  );
}
