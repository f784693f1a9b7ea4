// The console's CSRF defence. SameSite=Strict already keeps the cookie off cross-site requests;
// this refuses them again by what a browser cannot forge: every console call is a POST with the
// console's own Origin and a body type and header no HTML form or simple request can send, so a
// cross-site page can only reach it through a CORS preflight, which this port never grants.
import type { Handler } from "../rpc-handler.ts";

type NodeServerRequest = Parameters<Handler>[0];

/** The origin the console is served from: the configured one, else the request's own scheme and host. */
export function expectedOrigin(req: NodeServerRequest, configured: string | undefined, tls: boolean): string | undefined {
  if (configured) return configured;
  const host = req.headers[":authority"] ?? req.headers.host;
  return typeof host === "string" && host ? `${tls ? "https" : "http"}://${host}` : undefined;
}

/** Why the request is refused as possibly cross-site, or undefined when it is the console's own. */
export function crossSiteRefusal(req: NodeServerRequest, origin: string | undefined): string | undefined {
  if (req.method !== "POST") return "console calls are POST requests";
  const given = req.headers.origin;
  if (!given) return "the request carries no Origin";
  if (!origin || given !== origin) return "the request's Origin is not the console's";
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return "the request is not same-origin";
  if (req.headers["content-type"]?.split(";")[0]!.trim().toLowerCase() !== "application/json") {
    return 'console calls send "Content-Type: application/json"';
  }
  if (req.headers["connect-protocol-version"] !== "1") return 'console calls send "Connect-Protocol-Version: 1"';
  return undefined;
}
