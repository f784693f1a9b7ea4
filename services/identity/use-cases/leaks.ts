// Leak response: a token reported as exposed (by GitHub's secret scanning, or by anyone holding the
// string) is revoked at once with the reason "leaked", and the report is audited in the token's
// organisation with where it was found. A report of a token that is already revoked or expired is
// audited too, so its owners learn of the exposure; a report of an unknown string changes nothing.
import { apiTokenId } from "../../../client/ids.ts";
import { invalidArgument, throttled } from "../domain/errors.ts";
import { hashToken, isWellFormed } from "../domain/token-format.ts";
import { tokenState } from "../domain/token-state.ts";
import * as valid from "../domain/validation.ts";
import type { FailureLimiter } from "../auth/failure-limiter.ts";
import type { TokenRepository } from "../store/token-repository.ts";
import { Effects, invalidate, type CallFacts } from "./effects.ts";

export interface LeakDeps {
  tokens: Pick<TokenRepository, "findByHash" | "revokeLeaked" | "markLeaked">;
  tokenPrefix: string;
  /** Counts every report per client when reporting is open to anyone; absent for signed alerts. */
  reports?: Pick<FailureLimiter, "fail">;
}

export interface LeakReport {
  /** The exposed token as found. */
  token: string;
  /** Where it was found, e.g. a commit URL ("" when unknown). */
  url: string;
  /** What found it, e.g. "github:commit" or "report". */
  source: string;
}

/** What became of one report: `found` says whether the token is one of this service's. */
export interface LeakOutcome {
  hash: string;
  found: boolean;
}

export const maxReports = 100;

/** Revokes the live tokens among `reports`; `facts` describe the reporting call, for the trail. */
export async function reportLeakedTokens(deps: LeakDeps, facts: () => CallFacts, reports: readonly LeakReport[]): Promise<LeakOutcome[]> {
  if (reports.length > maxReports) throw invalidArgument("tokens", `must have at most ${maxReports} reports per request`);
  const retryAfterMs = deps.reports?.fail([`leak-report:${facts().peer}`], Date.now()) ?? 0;
  if (retryAfterMs > 0) {
    throw throttled("too many reports from this client", retryAfterMs, "rate_limited");
  }
  // Every report is checked before any is acted on: a bad one refuses the request, changing nothing.
  const checked = reports.map((report, i) => ({
    token: report.token,
    url: valid.text(`tokens[${i}].url`, report.url, 2048),
    source: valid.text(`tokens[${i}].source`, report.source, 64),
  }));
  const outcomes: LeakOutcome[] = [];
  for (const { token: presented, url, source } of checked) {
    const hash = hashToken(presented);
    // Malformed strings are not this deployment's tokens: no look-up needed.
    const token = isWellFormed(presented, deps.tokenPrefix) ? await deps.tokens.findByHash(hash) : null;
    outcomes.push({ hash, found: token !== null });
    if (!token) continue;
    const now = new Date();
    const effects = new Effects("token.leak", facts);
    effects.org = token.org;
    effects.on(apiTokenId(token._id));
    const where = `found at ${url || "an unnamed place"} (${source || "report"})`;
    const id = token._id.toHexString();
    // A live token is revoked; any token is marked leaked, so that it is never restored.
    effects.because(`${where}; revoked`);
    const revoked = tokenState(token, now) === "active" && (await deps.tokens.revokeLeaked(token.org, id, now, effects.commit([invalidate("token", token.hash)])));
    if (!revoked) {
      effects.because(`${where}; it was no longer active`);
      await deps.tokens.markLeaked(token.org, id, now, effects.commit([invalidate("token", token.hash)]));
    }
  }
  return outcomes;
}
