// The MCP server's way into the identity service: one shared HTTP/2 transport, and per caller a
// thin wrapper that adds the credential and, for delegation, the caller's own token as proof.
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { clientsOver, type TesseraClient } from "../client/client.ts";
import { clientAddressHeader, subjectTokenHeader } from "../client/headers.ts";

export type IdentityClients = TesseraClient;

export function identityTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, defaultTimeoutMs: 10_000 });
}

/** Every call carries these headers; nothing else about the transport changes. */
function withHeaders(base: Transport, headers: Record<string, string>): Transport {
  const merge = (header: ConstructorParameters<typeof Headers>[0]) => {
    // Calls without headers of their own (all of the MCP server's) take these as they are: the
    // transport makes its Headers from them anyway, and undici's are costly to build twice.
    if (header === undefined) return headers;
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

/** The caller a delegate acts for: its token (the proof) and its address. */
export interface Subject {
  token: string;
  clientAddress: string;
}

/**
 * Clients that authenticate with `credential`. With `subject`, the identity service authorises
 * each call as the subject's token (never wider); without it, as the credential's own.
 */
export function identityClients(base: Transport, credential: string, subject?: Subject): IdentityClients {
  const headers: Record<string, string> = { authorization: `Bearer ${credential}` };
  if (subject) {
    headers[subjectTokenHeader] = subject.token;
    if (subject.clientAddress) headers[clientAddressHeader] = subject.clientAddress;
  }
  return clientsOver(withHeaders(base, headers));
}
