// GitHub's secret scanning partner alerts (POST /v1/leaks/github): GitHub finds Tessera tokens in
// public code and posts them here, signed with ECDSA (P-256, SHA-256) by a key it publishes. The
// signature is checked against those keys (fetched from a configurable URL, cached, fetched again
// for a key id not seen yet), the tokens go through the same leak response as any report, and the
// answer labels each one as GitHub expects: true_positive when it is one of ours, by hash only.
import { randomUUID, verify } from "node:crypto";
import type http from "node:http";
import { IdentityError } from "../domain/errors.ts";
import type { Handler } from "./rpc-handler.ts";
import { reportLeakedTokens, maxReports, type LeakDeps } from "../use-cases/leaks.ts";

export const githubAlertPath = "/v1/leaks/github";

export interface GithubScanningOptions {
  /** Where GitHub publishes its signing keys (https://api.github.com/meta/public_keys/secret_scanning). */
  keysUrl: string;
  /** How long fetched keys are used before being fetched again. */
  cacheMs: number;
  /** The least time between fetches for an alert naming a key not seen yet. */
  cooldownMs: number;
}

type Request = Parameters<Handler>[0];
type Response = Parameters<Handler>[1];

interface PublishedKey {
  key_identifier: string;
  key: string;
}

const maxBodyBytes = 1024 * 1024;

/** Keys by id, fetched when stale or when an alert names an unknown one (at most once per cooldown). */
function githubKeys(options: GithubScanningOptions) {
  let keys = new Map<string, string>();
  let fetchedAt = 0;
  const refresh = async () => {
    // The attempt counts, not its success: a failing key list is not asked again before the cooldown.
    fetchedAt = Date.now();
    const response = await fetch(options.keysUrl, { signal: AbortSignal.timeout(5000), headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`the key list answered HTTP ${response.status}`);
    const body = (await response.json()) as { public_keys?: PublishedKey[] };
    keys = new Map((body.public_keys ?? []).map((k) => [k.key_identifier, k.key]));
  };
  return async (id: string): Promise<string | undefined> => {
    const stale = Date.now() - fetchedAt > options.cacheMs;
    if (stale || (!keys.has(id) && Date.now() - fetchedAt >= options.cooldownMs)) await refresh();
    return keys.get(id);
  };
}

/** Whether `signature` (base64 DER ECDSA) signs `body` under the PEM `key`; a malformed one does not. */
function signedBy(key: string, body: Buffer, signature: string): boolean {
  try {
    return verify("sha256", body, key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

function answer(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  (res as http.ServerResponse).writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: Request): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

interface Alert {
  token: string;
  type: string;
  url: string;
  source: string;
}

function alertsOf(body: Buffer): Alert[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length > maxReports) return undefined;
  const alerts = parsed.map((a: Record<string, unknown>) => ({ token: a?.token, type: a?.type ?? "", url: a?.url ?? "", source: a?.source ?? "" }));
  return alerts.every((a) => [a.token, a.type, a.url, a.source].every((v) => typeof v === "string")) ? (alerts as Alert[]) : undefined;
}

/**
 * The alert endpoint. `peer` names the client for the audit trail; `onError` hears failures that
 * are not the caller's (the key list unreachable, the database down), answered 503 so GitHub retries.
 */
export function githubSecretScanning(options: GithubScanningOptions, deps: LeakDeps, peer: (req: Request) => string, onError: (error: unknown) => void) {
  const keyOf = githubKeys(options);
  return async (req: Request, res: Response): Promise<void> => {
    try {
      if (req.method !== "POST") return answer(res, 405, { error: "POST the alert" });
      const id = req.headers["github-public-key-identifier"];
      const signature = req.headers["github-public-key-signature"];
      if (typeof id !== "string" || typeof signature !== "string") return answer(res, 401, { error: "the alert is not signed" });
      const body = await readBody(req);
      if (!body) return answer(res, 413, { error: `the alert is larger than ${maxBodyBytes} bytes` });
      const key = await keyOf(id);
      if (!key || !signedBy(key, body, signature)) return answer(res, 401, { error: "the signature does not verify" });
      const alerts = alertsOf(body);
      if (!alerts) return answer(res, 400, { error: `expected a JSON array of at most ${maxReports} {token, type, url, source}` });
      const facts = { requestId: randomUUID(), clientRequestId: "", channel: "github-secret-scanning", peer: peer(req) };
      const outcomes = await reportLeakedTokens(deps, () => facts, alerts.map((a) => ({ token: a.token, url: a.url, source: `github:${a.source}` })));
      answer(
        res,
        200,
        outcomes.map((o, i) => ({ token_hash: o.hash, token_type: alerts[i]!.type, label: o.found ? "true_positive" : "false_positive" })),
      );
    } catch (error) {
      if (error instanceof IdentityError && error.code === "invalid_argument") return answer(res, 400, { error: error.message });
      onError(error);
      if (!res.headersSent) answer(res, 503, { error: "the alert could not be processed now; send it again" });
    }
  };
}
