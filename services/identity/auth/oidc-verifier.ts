// Verifies external OIDC tokens (GitHub Actions, GitLab CI, Kubernetes service account tokens) for
// trust policies: the signature against the issuer's published keys (found through OIDC discovery,
// cached, fetched again when a token names a key not seen yet, so key rotation just works), an
// allow-list of algorithms ("none" and HMAC never), issuer, audience and lifetime with a small clock
// skew. All the cryptography is jose's.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { IdentityError } from "../domain/errors.ts";

/** Asymmetric algorithms only: a symmetric one would let anyone holding the "key" (public) sign. */
export const acceptedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export interface OidcVerifierOptions {
  /** Seconds of clock skew tolerated on exp, nbf and iat. */
  clockToleranceS: number;
  /** How long an issuer's discovery document and keys are used before they are fetched again. */
  cacheMs: number;
  /** The least time between two key fetches of one issuer (a token naming an unknown key triggers one). */
  cooldownMs: number;
  /** How long a fetch from an issuer may take. */
  timeoutMs: number;
  /** How many issuers' keys are kept at once. */
  maxIssuers: number;
  /** Accept plain-http issuers on a loopback address (a local issuer, tests); off, issuers need https. */
  allowLoopbackHttp: boolean;
}

/** The external token was refused: `reason` says why, for the caller and the audit trail. */
export class OidcRejection extends IdentityError {
  constructor(reason: string, message: string) {
    super("unauthenticated", message, reason, "token");
  }
}

/** The issuer's keys could not be fetched: the exchange may succeed later. */
const unavailable = (issuer: string, why: string) =>
  new IdentityError("unavailable", `could not fetch the keys of issuer ${issuer}: ${why}`, "issuer_unavailable");

/**
 * Issuers must use https; plain http on a loopback address only when allowed, since whoever
 * manages trust policies would otherwise make the service fetch from its own host's ports.
 */
function urlProblem(value: string, allowLoopbackHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.search || url.hash || url.username || url.password) return "must have no query, fragment or credentials";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && allowLoopbackHttp && isLoopback(url.hostname)) return undefined;
  return "must be an https URL";
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

interface IssuerKeys {
  keys: JWTVerifyGetKey;
  fetchedAt: number;
}

export class OidcVerifier {
  private readonly issuers = new Map<string, IssuerKeys>();

  constructor(private readonly options: OidcVerifierOptions) {}

  /** Why `url` cannot be a trusted issuer (or its keys' URL); undefined when it can. */
  issuerProblem(url: string): string | undefined {
    return urlProblem(url, this.options.allowLoopbackHttp);
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
        requiredClaims: ["exp", "iat", "sub"],
      });
      return payload;
    } catch (error) {
      throw rejection(error, expected.issuer);
    }
  }

  private async keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    const cached = this.issuers.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < this.options.cacheMs) return cached.keys;
    const jwksUri = await this.discover(issuer);
    const keys = createRemoteJWKSet(jwksUri, {
      timeoutDuration: this.options.timeoutMs,
      cooldownDuration: this.options.cooldownMs,
      cacheMaxAge: this.options.cacheMs,
    });
    this.issuers.delete(issuer);
    if (this.issuers.size >= this.options.maxIssuers) this.issuers.delete(this.issuers.keys().next().value!);
    this.issuers.set(issuer, { keys, fetchedAt: Date.now() });
    return keys;
  }

  /** The issuer's jwks_uri, from its discovery document, which must name the same issuer. */
  private async discover(issuer: string): Promise<URL> {
    const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(this.options.timeoutMs) });
      if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > 256 * 1024) throw new Error("discovery document too large");
      document = JSON.parse(text) as typeof document;
    } catch (error) {
      throw unavailable(issuer, error instanceof Error ? error.message : String(error));
    }
    if (document.issuer !== issuer) throw unavailable(issuer, "its discovery document names another issuer");
    const jwksUri = typeof document.jwks_uri === "string" ? document.jwks_uri : "";
    if (this.issuerProblem(jwksUri) !== undefined) throw unavailable(issuer, "its discovery document has no acceptable jwks_uri");
    return new URL(jwksUri);
  }
}

/** jose's failures as stable reasons; fetch failures stay retryable. */
function rejection(error: unknown, issuer: string): IdentityError {
  if (error instanceof errors.JWTExpired) return new OidcRejection("expired", "the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return new OidcRejection("audience_mismatch", "the token's audience is not one the trust policy accepts");
      case "iss":
        return new OidcRejection("issuer_mismatch", "the token was issued by another issuer than the trust policy names");
      case "nbf":
      case "iat":
        return new OidcRejection("not_yet_valid", "the token is not valid yet");
      default:
        return new OidcRejection("malformed", `the token's "${error.claim}" claim is missing or invalid`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new OidcRejection("algorithm_not_allowed", "the token's signing algorithm is not accepted");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new OidcRejection("unknown_key", "the token was not signed by a key the issuer publishes");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new OidcRejection("bad_signature", "the token's signature does not verify");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
    return unavailable(issuer, error.message);
  }
  if (error instanceof errors.JOSEError) return new OidcRejection("malformed", "the token is not a well-formed signed JWT");
  return unavailable(issuer, error instanceof Error ? error.message : String(error));
}
