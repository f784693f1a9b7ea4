// Where the service may connect when a tenant chooses the URL (a webhook's receiver, a trust
// policy's OIDC issuer): it must not become their way into the service's own network (SSRF). URLs
// are https, and a connection goes only to public addresses, checked on the address actually
// connected to (after DNS, so a name that later resolves inward is caught). Loopback and private
// networks need the operator's consent.
import { lookup } from "node:dns";
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

/** Why `value` cannot be a URL the service connects to; undefined when it can. */
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

