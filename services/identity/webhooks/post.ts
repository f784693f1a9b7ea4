// Deliveries' one HTTP request: a POST to the webhook's URL, guarded like every connection a
// tenant chooses (outbound/guard.ts).
import http from "node:http";
import https from "node:https";
import { guardedLookup, urlProblem, type EndpointPolicy } from "../outbound/guard.ts";

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
