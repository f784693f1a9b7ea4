// Token format: <prefix>_<secret><checksum>. The secret is 32 bytes from the CSPRNG in base62 (43
// characters); the checksum is the CRC32 of everything before it in base62 (6 characters), so a
// mistyped or truncated token is refused without a database look-up and secret scanners can tell a
// real token from random text. Only the SHA-256 of the whole token is ever stored.
import { createHash, randomBytes } from "node:crypto";
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
  if (!token.startsWith(`${prefix}_`)) return false;
  const body = token.slice(0, -checksumLength);
  for (let i = prefix.length + 1; i < token.length; i++) {
    if (!alphabet.includes(token[i]!)) return false;
  }
  return checksum(body) === token.slice(-checksumLength);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function checksum(body: string): string {
  const crc = crc32(Buffer.from(body, "utf8"));
  return toBase62(Buffer.from([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]), checksumLength);
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
