// The MCP server's way into the identity service: one shared HTTP/2 transport, and per caller a
// thin wrapper that adds the credential and, for delegation, the verified token to act for.
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuditService } from "../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../gen/tessera/identity/v1/environment_pb.ts";
import { RoleService } from "../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../gen/tessera/identity/v1/verify_pb.ts";

export interface IdentityClients {
  accounts: Client<typeof ServiceAccountService>;
  tokens: Client<typeof TokenService>;
  verify: Client<typeof VerifyService>;
  roles: Client<typeof RoleService>;
  environments: Client<typeof EnvironmentService>;
  audit: Client<typeof AuditService>;
}

export function identityTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, defaultTimeoutMs: 10_000 });
}

/** Every call carries these headers; nothing else about the transport changes. */
function withHeaders(base: Transport, headers: Record<string, string>): Transport {
  const merge = (header: ConstructorParameters<typeof Headers>[0]) => {
    const merged = new Headers(header);
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    return merged;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      base.unary(method, signal, timeoutMs, merge(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      base.stream(method, signal, timeoutMs, merge(header), input, contextValues),
  };
}

/**
 * Clients that authenticate with `credential`. With `actAs` (a verified token id) the identity
 * service authorises each call as that token's holder; without it, as the credential's own.
 */
export function identityClients(base: Transport, credential: string, actAs?: string): IdentityClients {
  const headers: Record<string, string> = { authorization: `Bearer ${credential}`, "x-tessera-channel": "mcp" };
  if (actAs) headers["x-tessera-act-as"] = actAs;
  const transport = withHeaders(base, headers);
  const client = <S extends DescService>(service: S) => createClient(service, transport);
  return {
    accounts: client(ServiceAccountService),
    tokens: client(TokenService),
    verify: client(VerifyService),
    roles: client(RoleService),
    environments: client(EnvironmentService),
    audit: client(AuditService),
  };
}
