// Where deliveries may go. Whoever manages an organisation's webhooks chooses the URL, so the
// service must not become their way into its own network (SSRF): URLs are https, and a delivery
// connects only to public addresses, checked on the address actually connected to (after DNS, so
// a name that later resolves inward is caught). Loopback and private networks need the operator's
// consent (TESSERA_WEBHOOK_ALLOW_LOOPBACK_HTTP, TESSERA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES).
import { lookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";

/** What the operator allows beyond public https endpoints. */
export interface EndpointPolicy {
  /** Plain http on a loopback address, and connecting to loopback addresses (a local receiver, tests). */
  allowLoopbackHttp: boolean;
  /** Private, link-local and other non-public addresses (receivers inside the operator's network). */
  allowPrivateAddresses: boolean;
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

// Everything that is not the public internet: RFC 1918, CGNAT, link-local (cloud metadata),
// "this network", multicast and reserved ranges, and their IPv6 counterparts.
const nonPublic = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24],
  ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 3],
] as const) nonPublic.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96], ["2002::", 16]] as const) {
  nonPublic.addSubnet(net, prefix, "ipv6");
}

/** Why the service must not connect to `address`; undefined when it may. */
export function addressProblem(address: string, policy: EndpointPolicy): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
  if (loopback.check(ip, family)) return policy.allowLoopbackHttp || policy.allowPrivateAddresses ? undefined : "is a loopback address";
  if (nonPublic.check(ip, family)) return policy.allowPrivateAddresses ? undefined : "is not a public address";
  return undefined;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** Why `value` cannot be a webhook URL; undefined when it can. */
export function urlProblem(value: string, policy: EndpointPolicy): string | undefined {
  if (value.length > 2048) return "must be at most 2048 characters";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not carry credentials (user:password@)";
  if (url.hash) return "must have no fragment";
  const host = hostOf(url);
  const isLoopbackHost = host === "localhost" || (isIP(host) !== 0 && loopback.check(host, isIP(host) === 6 ? "ipv6" : "ipv4"));
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowLoopbackHttp && isLoopbackHost)) return "must be an https URL";
  if (isIP(host) !== 0) {
    const problem = addressProblem(host, policy);
    if (problem) return `its address ${problem}`;
  }
  if (host === "localhost" && !policy.allowLoopbackHttp && !policy.allowPrivateAddresses) return "its address is a loopback address";
  return undefined;
}

/** Resolves like the system does, then refuses when any address the connection could use is not allowed. */
export function guardedLookup(policy: EndpointPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const refused = addresses.find((a) => addressProblem(a.address, policy) !== undefined);
      if (refused || addresses.length === 0) {
        const problem = new Error(`${hostname} resolves to an address that ${refused ? addressProblem(refused.address, policy) : "is unknown"}`);
        return callback(Object.assign(problem, { code: "EADDRNOTALLOWED" }), "", 0);
      }
      if (options.all) (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** What became of one POST: the status when the endpoint answered, otherwise why not. */
export interface PostResult {
  status: number;
  error: string;
}

/**
 * POSTs `body` once: no redirects followed (a 3xx is a failure), `timeoutMs` for the whole exchange,
 * the response body read and dropped (at most 64 KiB is waited for).
 */
export function post(url: string, headers: Record<string, string>, body: string, policy: EndpointPolicy, signal: AbortSignal, timeoutMs: number): Promise<PostResult> {
  // Checked again at each attempt: the operator's flags may have changed since the webhook was made.
  const problem = urlProblem(url, policy);
  if (problem) return Promise.resolve({ status: 0, error: `the URL ${problem}` });
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((done) => {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "Tessera-Webhooks" },
        lookup: guardedLookup(policy),
        agent: false,
        signal: deadline,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > 64 * 1024) response.destroy();
        });
        response.on("error", () => {});
        response.on("close", () => done({ status, error: status >= 200 && status < 300 ? "" : status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}` }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      const why = deadline.aborted && !signal.aborted ? `no answer within ${timeoutMs / 1000} s` : error.code === "EADDRNOTALLOWED" ? error.message : `connection failed (${error.code ?? error.message})`;
      done({ status: 0, error: why });
    });
    request.end(body);
  });
}
