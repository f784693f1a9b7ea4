// Everything under /console/ on the API port: the built pages, sign-in, sign-out, and the
// identity API for cookie-authenticated calls. The session cookie is scoped to /console/, so the
// bearer-token API at the root never sees it, and a console call is only ever authenticated by it.
//
//   GET  /console/                                   the pages (built by Vite)
//   POST /console/sign-in/tessera.identity.v1.VerifyService/WhoAmI   Authorization: Bearer <token>;
//                                                     on success the answer sets the session cookie
//   POST /console/api/<service>/<method>              an identity RPC as the session's token
//   POST /console/sign-out                            ends the session
import { FailureLimiter } from "../../auth/failure-limiter.ts";
import { throttled } from "../../domain/errors.ts";
import { hashToken } from "../../domain/token-format.ts";
import type { AuditDoc, InvalidationDoc } from "../../store/documents.ts";
import type { Handler } from "../rpc-handler.ts";
import { crossSiteRefusal, expectedOrigin } from "./cross-site.ts";
import { SessionStore, type ConsoleCall, type SessionOptions } from "./sessions.ts";
import { staticFile } from "./static-files.ts";

type NodeServerRequest = Parameters<Handler>[0];
type NodeServerResponse = Parameters<Handler>[1];

export interface ConsoleOptions {
  /** The built console (index.html and assets/). */
  dir: string;
  sessions: SessionOptions;
  /** Sign-ins one client address, and one token, may make a minute; 0 turns the limit off. */
  signInsPerMinute: number;
  /** The only origin console calls may come from, e.g. "https://tessera.example.com" behind a proxy; default: the request's own scheme and host. */
  origin?: string;
  /** Whether the API port serves TLS (the cookie is then Secure, as with an https `origin`). */
  tls: boolean;
}

export interface ConsoleRoutes {
  /** Serves the request when it is the console's; false leaves it to the API. */
  handle(req: NodeServerRequest, res: NodeServerResponse, api: Handler): boolean;
  /** The session or sign-in this route attached to a request it passed to the API. */
  callOf(req: NodeServerRequest): ConsoleCall | undefined;
  /** Ends the sessions whose token or account these events say changed (this instance's or another's). */
  invalidated(events: readonly InvalidationDoc[]): void;
}

const consolePath = "/console/";
const signInPath = "/console/sign-in/tessera.identity.v1.VerifyService/WhoAmI";
const apiPrefix = "/console/api/";

const securityHeaders = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** `audit` appends the event of a successful sign-in. */
export function consoleRoutes(options: ConsoleOptions, audit: (event: AuditDoc) => Promise<void>): ConsoleRoutes {
  const sessions = new SessionStore(options.sessions);
  // Counts successful sign-ins (failed ones count against the authentication failure limiter).
  const signIns = new FailureLimiter({ limit: options.signInsPerMinute, windowMs: 60_000, maxKeys: 100_000 });
  const secure = options.tls || options.origin?.startsWith("https:") === true;
  // A __Secure- name cannot be set or overwritten by a cleartext response (cookie prefixes).
  const cookieName = secure ? "__Secure-tessera_console" : "tessera_console";
  const attributes = `Path=${consolePath}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
  const calls = new WeakMap<NodeServerRequest, ConsoleCall>();

  const cookie = (id: string) => `${cookieName}=${id}; ${attributes}; Max-Age=${Math.floor(options.sessions.absoluteMs / 1000)}`;
  const clearCookie = `${cookieName}=; ${attributes}; Max-Age=0`;
  /** The session cookie's values: a second one (a cookie tossed from a sibling site or another path) is never guessed between. */
  const sessionIds = (req: NodeServerRequest): string[] => {
    const header = [req.headers.cookie ?? []].flat().join("; ");
    const ids: string[] = [];
    for (const part of header.split(";")) {
      const at = part.indexOf("=");
      if (at > 0 && part.slice(0, at).trim() === cookieName) ids.push(part.slice(at + 1).trim());
    }
    return ids;
  };
  const refuse = (res: NodeServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify({ code, message }));
  };
  /** Passes a console call on to the API under its own path. */
  const forward = (req: NodeServerRequest, res: NodeServerResponse, api: Handler, path: string, call: ConsoleCall) => {
    calls.set(req, call);
    req.url = path;
    api(req, res);
  };

  const serveFile = async (res: NodeServerResponse, path: string, head: boolean) => {
    const file = await staticFile(options.dir, path);
    if (!file) {
      const missing = path === "" ? "the console is not built: run npm start (it builds the console when stale)" : "not found";
      refuse(res, 404, "not_found", missing);
      return;
    }
    res.writeHead(200, { "content-type": file.contentType, "cache-control": file.cacheControl, "content-length": String(file.body.length) });
    if (head) res.end();
    else res.end(file.body);
  };

  const throttle = (secret: string, client: string, now: number) => {
    const retryAfterMs = signIns.fail([`client:${client}`, `token:${hashToken(secret)}`], now);
    if (retryAfterMs > 0) throw throttled("too many console sign-ins from this client or with this token", retryAfterMs, "sign_in_rate_limited");
  };

  return {
    callOf: (req) => calls.get(req),
    invalidated: (events) => sessions.invalidated(events),
    handle(req, res, api) {
      const url = req.url ?? "";
      if (!url.startsWith("/console")) return false;
      const path = url.split("?")[0]!;
      if (path === "/console") {
        res.writeHead(308, { location: consolePath });
        res.end();
        return true;
      }
      if (!path.startsWith(consolePath)) return false;
      for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
      if (secure) res.setHeader("strict-transport-security", "max-age=31536000");

      const isCall = path === signInPath || path === "/console/sign-out" || path.startsWith(apiPrefix);
      if (!isCall) {
        if (req.method !== "GET" && req.method !== "HEAD") refuse(res, 405, "unimplemented", "the console's pages are read with GET");
        else void serveFile(res, path.slice(consolePath.length), req.method === "HEAD").catch(() => res.destroy());
        return true;
      }
      res.setHeader("cache-control", "no-store");
      const refusal = crossSiteRefusal(req, expectedOrigin(req, options.origin, options.tls));
      if (refusal) {
        refuse(res, 403, "permission_denied", `cross-site request refused: ${refusal}`);
        return true;
      }
      const ids = sessionIds(req);
      if (ids.length > 1) {
        refuse(res, 401, "unauthenticated", "the request carries the console's session cookie more than once: sign in again", { "set-cookie": clearCookie });
        return true;
      }
      const id = ids[0] ?? "";
      if (path === "/console/sign-out") {
        sessions.end(id);
        res.writeHead(204, { "set-cookie": clearCookie });
        res.end();
        return true;
      }
      if (path === signInPath) {
        forward(req, res, api, path.slice("/console/sign-in".length), {
          kind: "sign-in",
          start: async (secret, who, now, event) => {
            throttle(secret, who.client, now);
            sessions.end(id);
            const started = sessions.start(secret, who, now);
            // A sign-in that cannot be audited does not happen.
            await audit(event).catch((error: unknown) => {
              sessions.end(started);
              throw error;
            });
            return cookie(started);
          },
        });
        return true;
      }
      const secret = id ? sessions.use(id, Date.now()) : undefined;
      if (secret === undefined) {
        const why = sessions.whyEnded(id);
        // A session ended for a reason keeps its (dead) cookie, so that every call the page has on
        // its way, or sends before it notices, hears that reason rather than "sign in first".
        const headers: Record<string, string> = id && !why ? { "set-cookie": clearCookie } : {};
        refuse(res, 401, "unauthenticated", id ? `the console session has ended${why ? ` (${why})` : ""}: sign in again` : "sign in first", headers);
        return true;
      }
      forward(req, res, api, `/${path.slice(apiPrefix.length)}`, { kind: "session", secret, end: (why) => sessions.end(id, why) });
      return true;
    },
  };
}
