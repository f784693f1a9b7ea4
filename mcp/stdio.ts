// `npm run mcp:stdio`: the MCP server over stdio for a local assistant, acting for the token in
// TESSERA_TOKEN. Like the HTTP server it delegates when it has the MCP server's own credential
// (TESSERA_MCP_CREDENTIAL_FILE, role mcp-delegate): it authenticates with that and presents the
// caller's token as the subject, so tokens limited to audience "mcp" work. Without a credential it
// calls the identity API with TESSERA_TOKEN itself. It asks WhoAmI once at start and offers only
// the tools that token can use. stdout carries only the protocol; messages go to stderr.
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { errorDetail } from "../client/errors.ts";
import { delegatedAudience, subjectTokenHeader } from "../client/headers.ts";
import { verifyReasons } from "../client/reasons.ts";
import { loadMcpConfig } from "../common/config.ts";
import { ConfirmationCodes } from "./confirmation.ts";
import { identityClients, identityTransport } from "./identity-clients.ts";
import { callerOf } from "./permissions.ts";
import { createMcpServer } from "./server.ts";

/** The credential, when TESSERA_MCP_CREDENTIAL_FILE names a readable, non-empty file. */
function readCredential(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const credential = readFileSync(file, "utf8").trim();
    if (credential) return credential;
    console.error(`tessera mcp (stdio): TESSERA_MCP_CREDENTIAL_FILE ${file} is empty; calling the identity API with TESSERA_TOKEN directly.`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    console.error(`tessera mcp (stdio): cannot read TESSERA_MCP_CREDENTIAL_FILE ${file} (${code}); calling the identity API with TESSERA_TOKEN directly.`);
  }
  return undefined;
}

/** Why the start failed, and what to do about it. */
function startFailure(error: unknown, url: string, credentialFile: string | undefined, delegated: boolean): string {
  const err = ConnectError.from(error);
  const detail = errorDetail(err);
  const raw = err.rawMessage.startsWith(`${subjectTokenHeader}: `) ? err.rawMessage.slice(subjectTokenHeader.length + 2) : err.rawMessage;
  const said = raw.replace(/[.\s]+$/, "");
  if (err.code === Code.Unavailable || err.code === Code.DeadlineExceeded) {
    return `The identity service at ${url} did not answer (${said}). Start it, or set TESSERA_URL to where it runs.`;
  }
  if (delegated && detail?.field !== subjectTokenHeader) {
    return [
      `The MCP credential in TESSERA_MCP_CREDENTIAL_FILE (${credentialFile}) was refused by ${url}: ${said}.`,
      "It must be the MCP server's own token (role mcp-delegate) of your organisation, e.g. .tessera/mcp.token where the",
      "identity service runs; or unset TESSERA_MCP_CREDENTIAL_FILE to call the identity API with TESSERA_TOKEN directly.",
    ].join(" ");
  }
  if (!delegated && detail?.reason === verifyReasons.audienceMismatch) {
    return [
      `TESSERA_TOKEN was refused by ${url}: ${said}.`,
      `A token limited to audience "${delegatedAudience}" works only through the MCP server, which presents it for you.`,
      "Set TESSERA_MCP_CREDENTIAL_FILE to the MCP server's own credential (.tessera/mcp.token where `npm start` runs, or the",
      "file `--mcp-credential-file` of the bootstrap wrote) so that this server delegates like the HTTP one; or connect your",
      "assistant to the HTTP MCP server (http://127.0.0.1:8081/mcp) instead; or use a token that names no audiences.",
    ].join(" ");
  }
  return `TESSERA_TOKEN was refused by ${url}: ${said}.`;
}

async function main(): Promise<void> {
  const config = loadMcpConfig();
  const url = config.TESSERA_URL;
  const token = process.env.TESSERA_TOKEN;
  if (!token) throw new Error("Set TESSERA_TOKEN to your Tessera token.");
  const credential = readCredential(config.TESSERA_MCP_CREDENTIAL_FILE);
  const delegated = credential !== undefined;
  const transport = identityTransport(url);
  const identity = delegated ? identityClients(transport, credential, { token, clientAddress: "" }) : identityClients(transport, token);
  let caller;
  try {
    const me = await identity.verify.whoAmI({});
    caller = callerOf(me.identity!);
    const principal = me.identity!.principal!;
    const via = me.delegate ? `, delegated through ${me.delegate.accountName}` : "";
    console.error(`tessera mcp (stdio): acting as ${principal.accountName} in ${principal.org}${via}`);
  } catch (error) {
    throw new Error(startFailure(error, url, config.TESSERA_MCP_CREDENTIAL_FILE, delegated));
  }
  // stdout carries the protocol: unexpected failures go to stderr.
  const onUnexpected = (tool: string, error: unknown) => console.error(`tool ${tool} failed unexpectedly:`, error);
  const server = createMcpServer({ identity, caller, confirmations: new ConfirmationCodes(), delegated, onUnexpected });
  await server.connect(new StdioServerTransport());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
