// Token format: <prefix>_<secret><checksum>. The secret is 32 bytes from the CSPRNG in base62 (43
// characters); the checksum is the CRC32 of everything before it in base62 (6 characters), so a
// mistyped or truncated token is refused without a database look-up and secret scanners can tell a
// real token from random text. Only the SHA-256 of the whole token is ever stored.
import { hash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const secretBytes = 32;
const secretLength = 43; // ceil(256 / log2(62))
const checksumLength = 6; // ceil(32 / log2(62))
const hintLength = 4;

export interface IssuedToken {
  /** The bearer token: returned to the caller once, never stored. */
  secret: string;
  hash: string;
  hint: string;
}

export function issueToken(prefix: string): IssuedToken {
  const body = `${prefix}_${toBase62(randomBytes(secretBytes), secretLength)}`;
  const secret = body + checksum(body);
  return { secret, hash: hashToken(secret), hint: secret.slice(-hintLength) };
}

/** True when the token has this deployment's shape and checksum; no I/O. */
export function isWellFormed(token: string, prefix: string): boolean {
  if (token.length !== prefix.length + 1 + secretLength + checksumLength) return false;
  if (!token.startsWith(prefix) || token.charCodeAt(prefix.length) !== underscore) return false;
  // Every call is authenticated: checked by character code, allocating nothing.
  for (let i = prefix.length + 1; i < token.length; i++) {
    if (!isBase62(token.charCodeAt(i))) return false;
  }
  return checksum(token.slice(0, -checksumLength)) === token.slice(-checksumLength);
}

export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
}

const underscore = 0x5f;
const isBase62 = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** The CRC32 of `body` in base62: a 32-bit number, so plain arithmetic (no BigInt) is exact. */
function checksum(body: string): string {
  let value = crc32(body);
  let out = "";
  for (let i = 0; i < checksumLength; i++) {
    out = alphabet[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function toBase62(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  while (value > 0n) {
    out = alphabet[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out.padStart(length, "0");
}
