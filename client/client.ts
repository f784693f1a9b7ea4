// The typed Tessera client for Node services and CI scripts: every service of the identity API
// over Connect or gRPC, with a bearer token, a deadline on each call and retries for reads. The CLI
// and the MCP server are built on it; it depends on the generated code only.
import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AuditService } from "../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../gen/tessera/identity/v1/environment_pb.ts";
import { FederationService } from "../gen/tessera/identity/v1/federation_pb.ts";
import { HygieneService } from "../gen/tessera/identity/v1/hygiene_pb.ts";
import { WebhookService } from "../gen/tessera/identity/v1/webhook_pb.ts";
import { OrganizationService } from "../gen/tessera/identity/v1/organization_pb.ts";
import { RoleService } from "../gen/tessera/identity/v1/role_pb.ts";
import { ServiceAccountService } from "../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../gen/tessera/identity/v1/verify_pb.ts";

export interface TesseraClient {
  accounts: Client<typeof ServiceAccountService>;
  tokens: Client<typeof TokenService>;
  verify: Client<typeof VerifyService>;
  roles: Client<typeof RoleService>;
  environments: Client<typeof EnvironmentService>;
  audit: Client<typeof AuditService>;
  organization: Client<typeof OrganizationService>;
  federation: Client<typeof FederationService>;
  hygiene: Client<typeof HygieneService>;
  webhooks: Client<typeof WebhookService>;
}

export interface TesseraClientOptions {
  /** The identity service, e.g. "http://127.0.0.1:8080". */
  baseUrl: string;
  /** The bearer token every call presents; absent, calls carry none (only ExchangeToken takes that). */
  token?: string;
  /** "connect" (default) or native "grpc"; both over HTTP/2. */
  protocol?: "connect" | "grpc";
  /** Deadline of each call, retries included (default 10 s). */
  timeoutMs?: number;
  /** Extra attempts for reads that fail with UNAVAILABLE (default 2). */
  retries?: number;
  /** Interceptors around each call, retries included (the first is the outermost). */
  interceptors?: Interceptor[];
}

function authenticate(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** Retries calls that change nothing when the service is briefly unavailable, within the deadline. */
export function retryReads(retries: number, baseDelayMs = 100): Interceptor {
  return (next) => async (req) => {
    const readOnly = req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(req);
      } catch (error) {
        const retryable = readOnly && ConnectError.from(error).code === Code.Unavailable && !req.signal.aborted;
        if (!retryable || attempt >= retries) throw error;
        const delay = baseDelayMs * 2 ** attempt * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

/** One client per service, all over `transport`. */
/** Clients of every service over one transport, each made on first use (a caller may need one or two). */
export function clientsOver(transport: Transport): TesseraClient {
  const made = new Map<DescService, unknown>();
  const client = <S extends DescService>(service: S): Client<S> => {
    let found = made.get(service) as Client<S> | undefined;
    if (!found) made.set(service, (found = createClient(service, transport)));
    return found;
  };
  return {
    get accounts() { return client(ServiceAccountService); },
    get tokens() { return client(TokenService); },
    get verify() { return client(VerifyService); },
    get roles() { return client(RoleService); },
    get environments() { return client(EnvironmentService); },
    get audit() { return client(AuditService); },
    get organization() { return client(OrganizationService); },
    get federation() { return client(FederationService); },
    get hygiene() { return client(HygieneService); },
    get webhooks() { return client(WebhookService); },
  };
}

export function createTesseraClient(options: TesseraClientOptions): TesseraClient {
  const settings = {
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    interceptors: [...(options.interceptors ?? []), retryReads(options.retries ?? 2), ...(options.token === undefined ? [] : [authenticate(options.token)])],
  };
  const transport =
    options.protocol === "grpc" ? createGrpcTransport(settings) : createConnectTransport({ ...settings, httpVersion: "2" });
  return clientsOver(transport);
}
