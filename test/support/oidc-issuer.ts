// A local OpenID Connect issuer on loopback, as GitHub Actions or a Kubernetes cluster would be: a
// discovery document, its published keys (rotatable), and tokens signed as a test asks.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

export interface TokenOptions {
  /** Claims beside the defaults (iss, sub, aud, iat, exp in 5 minutes). */
  claims?: JWTPayload;
  /** Seconds from now until exp (negative: already expired). */
  expiresIn?: number;
  /** Sign with this key instead of the published current one. */
  key?: SigningKey;
}

export interface LocalIssuer {
  url: string;
  /** Signs a token with the current key (or `options.key`). */
  sign(options?: TokenOptions): Promise<string>;
  /** A key the issuer does not publish, optionally with the kid of a published one. */
  foreignKey(kid?: string): Promise<SigningKey>;
  /** Publishes a new key and signs with it from now on; the old one stays published. */
  rotate(): Promise<void>;
  /** How many times the keys were fetched. */
  keyFetches(): number;
  close(): Promise<void>;
}

/** The service's setting that lets trust policies name a local (plain-http, loopback) issuer. */
export const localIssuers = { TESSERA_OIDC_ALLOW_LOOPBACK_HTTP: "true" };

let counter = 0;

async function newKey(kid = `key-${++counter}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

export async function startIssuer(): Promise<LocalIssuer> {
  const keys = [await newKey()];
  let fetches = 0;
  let url = "";
  const server = http.createServer((req, res) => {
    const body =
      req.url === "/.well-known/openid-configuration"
        ? { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ["RS256"] }
        : req.url === "/jwks"
          ? (fetches++, { keys: keys.map((k) => k.publicJwk) })
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async sign(options = {}) {
      const key = options.key ?? keys.at(-1)!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, sub: "repo:acme/api:ref:refs/heads/main", aud: "tessera", iat: now, exp: now + (options.expiresIn ?? 300), ...options.claims })
        .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
        .sign(key.privateKey);
    },
    foreignKey: (kid) => newKey(kid),
    async rotate() {
      keys.push(await newKey());
    },
    keyFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
