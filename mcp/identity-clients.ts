// The MCP server's way into the identity service: one shared HTTP/2 transport, and per caller a
// thin wrapper that adds the credential and, for delegation, the verified token to act for.
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { clientsOver, type TesseraClient } from "../cli/client.ts";

export type IdentityClients = TesseraClient;

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
  return clientsOver(withHeaders(base, headers));
}
