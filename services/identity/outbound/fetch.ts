// A GET to a URL a tenant chose (a trust policy's issuer and the keys it names), guarded like
// every such connection (guard.ts): no redirects, a deadline, a bounded body. It answers a fetch
// Response, so jose can use it for the keys too.
import http from "node:http";
import https from "node:https";
import { guardedLookup, urlProblem, type EndpointPolicy } from "./guard.ts";

/** A fetch that only GETs, only where `policy` allows, reading at most `maxBytes`. */
export function guardedFetch(policy: EndpointPolicy, maxBytes = 256 * 1024) {
  return (url: string, init: { signal?: AbortSignal; headers?: ConstructorParameters<typeof Headers>[0] } = {}): Promise<Response> => {
    const problem = urlProblem(url, policy);
    if (problem) return Promise.reject(new Error(`the URL ${problem}`));
    const target = new URL(url);
    const client = target.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.get(
        target,
        { headers: { accept: "application/json", ...Object.fromEntries(new Headers(init.headers)) }, lookup: guardedLookup(policy), agent: false, signal: init.signal },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) response.destroy(new Error(`the answer is larger than ${maxBytes} bytes`));
            else chunks.push(chunk);
          });
          response.on("error", reject);
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            // Redirects are not followed: a 3xx is answered as it is, and callers refuse it.
            resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: { "content-type": String(response.headers["content-type"] ?? "") } }));
          });
        },
      );
      request.on("error", reject);
    });
  };
}
