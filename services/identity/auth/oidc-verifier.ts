// Verifies external OIDC tokens (GitHub Actions, GitLab CI, Kubernetes service account tokens) for
// trust policies: the signature against the issuer's published keys (found through OIDC discovery,
// cached, fetched again when a token names a key not seen yet, so key rotation just works), an
// allow-list of algorithms ("none" and HMAC never), issuer, audience, lifetime and age with a small
// clock skew. All the cryptography is jose's. Whoever manages trust policies chooses the issuer, so
// every fetch is guarded like a webhook's (outbound/guard.ts: public addresses only, no redirects),
// a failing issuer is not asked again before the cooldown, and callers (who need no credential)
// learn only that the issuer is unavailable: the details go to the log.
import { LRUCache } from "lru-cache";
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { IdentityError } from "../domain/errors.ts";
import { guardedFetch } from "../outbound/fetch.ts";
import { urlProblem, type EndpointPolicy } from "../outbound/guard.ts";

/** Asymmetric algorithms only: a symmetric one would let anyone holding the "key" (public) sign. */
export const acceptedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** CI platforms issue tokens for minutes (Kubernetes for an hour by default): older ones are refused. */
const maxTokenAge = "24h";

export interface OidcVerifierOptions {
  /** Seconds of clock skew tolerated on exp, nbf and iat. */
  clockToleranceS: number;
  /** How long an issuer's discovery document and keys are used before they are fetched again. */
  cacheMs: number;
  /** The least time between two fetches from one issuer (a token naming an unknown key, or a failure). */
  cooldownMs: number;
  /** How long a fetch from an issuer may take. */
  timeoutMs: number;
  /** How many issuers' keys are kept at once. */
  maxIssuers: number;
  /** Where issuers may be: public https by default; loopback and private networks by the operator's choice. */
  endpoints: EndpointPolicy;
  /** Told why an issuer's keys could not be fetched (callers are not). */
  onFetchError?: (issuer: string, detail: string) => void;
}

/** The external token was refused: `reason` says why, for the caller and the audit trail. */
export class OidcRejection extends IdentityError {
  constructor(reason: string, message: string) {
    super("unauthenticated", message, reason, "token");
  }
}

/** The issuer's keys could not be fetched: the exchange may succeed later. */
export const issuerUnavailable = () =>
  new IdentityError("unavailable", "the trust policy's issuer could not be reached for its keys; try again later", "issuer_unavailable");

type IssuerKeys = { keys: JWTVerifyGetKey; at: number } | { failed: true; at: number };

export class OidcVerifier {
  /** Bounded: the least recently used issuer's keys go first. */
  private readonly issuers: LRUCache<string, IssuerKeys>;
  private readonly fetch: ReturnType<typeof guardedFetch>;

  constructor(private readonly options: OidcVerifierOptions) {
    this.fetch = guardedFetch(options.endpoints);
    this.issuers = new LRUCache({ max: Math.max(1, options.maxIssuers) });
  }

  /** Why `url` cannot be a trusted issuer (or its keys' URL); undefined when it can. */
  issuerProblem(url: string): string | undefined {
    if (/[?#]/.test(url)) return "must have no query or fragment";
    return urlProblem(url, this.options.endpoints);
  }

  /** The verified claims of `token`, or an OidcRejection naming what failed. */
  async verify(token: string, expected: { issuer: string; audiences: readonly string[] }): Promise<JWTPayload> {
    const keys = await this.keysOf(expected.issuer);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: expected.issuer,
        audience: [...expected.audiences],
        algorithms: acceptedAlgorithms,
        clockTolerance: this.options.clockToleranceS,
        maxTokenAge,
        requiredClaims: ["exp", "iat", "sub"],
      });
      return payload;
    } catch (error) {
      throw this.rejection(error, expected.issuer);
    }
  }

  private async keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    const known = this.issuers.get(issuer);
    if (known && "failed" in known && Date.now() - known.at < this.options.cooldownMs) throw issuerUnavailable();
    if (known && "keys" in known && Date.now() - known.at < this.options.cacheMs) return known.keys;
    let jwksUri: URL;
    try {
      jwksUri = await this.discover(issuer);
    } catch (error) {
      this.issuers.set(issuer, { failed: true, at: Date.now() });
      this.options.onFetchError?.(issuer, error instanceof Error ? error.message : String(error));
      throw issuerUnavailable();
    }
    const keys = createRemoteJWKSet(jwksUri, {
      timeoutDuration: this.options.timeoutMs,
      cooldownDuration: this.options.cooldownMs,
      cacheMaxAge: this.options.cacheMs,
      [customFetch]: this.fetch,
    });
    this.issuers.set(issuer, { keys, at: Date.now() });
    return keys;
  }

  /** The issuer's jwks_uri, from its discovery document, which must name the same issuer. */
  private async discover(issuer: string): Promise<URL> {
    const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const response = await this.fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer) throw new Error("its discovery document names another issuer");
    const jwksUri = typeof document.jwks_uri === "string" ? document.jwks_uri : "";
    const problem = this.issuerProblem(jwksUri);
    if (problem !== undefined) throw new Error(`its discovery document's jwks_uri ${problem}`);
    return new URL(jwksUri);
  }

  /** jose's failures as stable reasons; fetch failures stay retryable, their details logged. */
  private rejection(error: unknown, issuer: string): IdentityError {
    if (error instanceof errors.JWTExpired) return new OidcRejection("expired", "the token has expired");
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.reason === "missing") return new OidcRejection("malformed", `the token has no "${error.claim}" claim`);
      switch (error.claim) {
        case "aud":
          return new OidcRejection("audience_mismatch", "the token's audience is not one the trust policy accepts");
        case "iss":
          return new OidcRejection("issuer_mismatch", "the token was issued by another issuer than the trust policy names");
        case "nbf":
          return new OidcRejection("not_yet_valid", "the token is not valid yet");
        case "iat":
          return new OidcRejection("bad_issued_at", "the token's issue time is in the future or too long ago");
        default:
          return new OidcRejection("malformed", `the token's "${error.claim}" claim is invalid`);
      }
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return new OidcRejection("algorithm_not_allowed", "the token's signing algorithm is not accepted");
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return new OidcRejection("unknown_key", "the token was not signed by a key the issuer publishes");
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return new OidcRejection("bad_signature", "the token's signature does not verify");
    if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)) {
      return new OidcRejection("malformed", "the token is not a well-formed signed JWT");
    }
    this.options.onFetchError?.(issuer, error instanceof Error ? error.message : String(error));
    return issuerUnavailable();
  }
}
