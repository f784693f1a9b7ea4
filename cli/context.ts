// What every command gets: the client (built on first use, from --url/TESSERA_URL and TESSERA_TOKEN
// or --token-file), the output, and name resolution.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Command } from "commander";
import { createTesseraClient, type TesseraClient } from "../client/client.ts";
import { createOutput, UsageError, type Output } from "./output.ts";
import { readFileFlag } from "./parse.ts";
import { createResolver, type Resolver } from "./resolve.ts";
import { detectTerminal } from "./terminal.ts";

export interface GlobalOptions {
  url: string;
  tokenFile?: string;
  protocol: "connect" | "grpc";
  timeout: number;
  json: boolean;
}

export interface CommandContext {
  client(): TesseraClient;
  /** A client that presents no token, for ExchangeToken (the external token is the credential). */
  anonymousClient(): TesseraClient;
  out: Output;
  /** Accounts by name or id. */
  resolve: Resolver;
}

function readToken(tokenFile: string | undefined): string {
  const token = tokenFile ? readFileFlag("--token-file", tokenFile) : process.env.TESSERA_TOKEN?.trim();
  if (!token) {
    throw new UsageError(tokenFile ? `--token-file: "${tokenFile}" is empty` : "no token: set TESSERA_TOKEN or pass --token-file");
  }
  return token;
}

/** The Node error code somewhere in an error's causes (ECONNREFUSED, ERR_SSL_…), if any. */
function systemCode(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * Why the service at `url` could not be talked to, in words that name the URL; undefined when the
 * error is the service's own answer.
 */
export function connectionProblem(error: ConnectError, url: string, timeoutSeconds: number): string | undefined {
  const code = systemCode(error);
  const { protocol, host } = new URL(url);
  const what = `cannot reach the identity service at ${url} (--url or TESSERA_URL)`;
  if (error.code === Code.DeadlineExceeded) return `${what}: no answer within ${timeoutSeconds} s (--timeout)`;
  if (code === "ECONNREFUSED") return `${what}: connection refused; is it running there?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `${what}: unknown host ${new URL(url).hostname}`;
  if (code === "ETIMEDOUT" || code === "ENETUNREACH" || code === "EHOSTUNREACH") return `${what}: the network does not reach ${host}`;
  if (code === "ECONNRESET" || code === "EPIPE" || code?.startsWith("ERR_HTTP2")) {
    return `${what}: the connection was closed${protocol === "http:" ? "; if it serves TLS, use https://" : ""}`;
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || code === "EPROTO") {
    return `${what}: it does not answer TLS; if it serves cleartext, use http://${host}`;
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return `${what}: its TLS certificate is not trusted (${code}); give Node your CA with NODE_EXTRA_CA_CERTS`;
  }
  if (code?.startsWith("ERR_SSL") || code?.startsWith("ERR_TLS")) return `${what}: TLS failed (${code})`;
  if (error.code === Code.Unknown && /content type|HTTP \d{3}/i.test(error.rawMessage)) {
    return `${what}: the server there does not answer as a Tessera identity service (${error.rawMessage})`;
  }
  return undefined;
}

/** Reports failures to reach the service as such: the URL named, the code kept (exit 1). */
function explainConnectionFailures(url: string, timeoutSeconds: number): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      const connectError = ConnectError.from(error);
      const problem = connectionProblem(connectError, url, timeoutSeconds);
      if (problem === undefined) throw error;
      // Whatever the transport called it (TLS failures come as internal), the service is not
      // available at that URL; only a deadline keeps its own code.
      const code = connectError.code === Code.DeadlineExceeded ? Code.DeadlineExceeded : Code.Unavailable;
      throw new ConnectError(problem, code, undefined, undefined, error);
    }
  };
}

const contexts = new WeakMap<Command, CommandContext>();

/** The context of the running command: one client and one resolver however often it is asked. */
export function contextOf(command: Command): CommandContext {
  let context = contexts.get(command);
  if (!context) contexts.set(command, (context = newContext(command)));
  return context;
}

function newContext(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  let client: TesseraClient | undefined;
  const clientWith = (token: string | undefined) =>
    createTesseraClient({
      baseUrl: options.url,
      token,
      protocol: options.protocol,
      timeoutMs: options.timeout * 1000,
      interceptors: [explainConnectionFailures(options.url, options.timeout)],
    });
  const getClient = () => (client ??= clientWith(readToken(options.tokenFile)));
  return {
    out: createOutput(options.json, detectTerminal()),
    client: getClient,
    anonymousClient: () => clientWith(undefined),
    resolve: createResolver(getClient),
  };
}
