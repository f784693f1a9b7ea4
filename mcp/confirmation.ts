// Confirmation codes for destructive tools. The first call of such a tool changes nothing: it
// answers with a short-lived code bound to the tool, the exact arguments and the caller's token,
// and asks the assistant to show it to the user. Only a second call carrying that code performs it.
//
// A code is `<expiry>.<nonce>.<mac>`: the expiry (Unix seconds, base 36), a random nonce, and an
// HMAC-SHA256 over the tool name, the canonical JSON of the arguments, the caller's token id, the
// expiry and the nonce, keyed with a random key of this process. Nobody without the key (the
// assistant included) can make one, or move one to other arguments, another tool or another
// caller; codes die with the process. Each code works once: used ones are remembered until they
// expire.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a code is valid. */
export const confirmationTtlMs = 5 * 60 * 1000;

const version = "tessera-mcp-confirmation/1";
const macBytes = 12;

/** JSON with object keys sorted at every level and undefined members left out: equal arguments, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface IssuedConfirmation {
  code: string;
  expiresAt: Date;
}

/** Why a code was refused; each is a sentence an assistant can act on. */
export type ConfirmationRefusal = "malformed" | "mismatch" | "expired" | "used";

export class ConfirmationCodes {
  private readonly key: Buffer;
  /** MACs of redeemed codes, with their expiry (ms), so that none works twice. */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly ttlMs = confirmationTtlMs,
    key: Buffer = randomBytes(32),
  ) {
    this.key = key;
  }

  private mac(tool: string, args: unknown, callerTokenId: string, expiry: string, nonce: string): Buffer {
    return createHmac("sha256", this.key)
      .update(JSON.stringify([version, tool, canonicalJson(args), callerTokenId, expiry, nonce]))
      .digest()
      .subarray(0, macBytes);
  }

  issue(tool: string, args: unknown, callerTokenId: string): IssuedConfirmation {
    const expiresAtSeconds = Math.ceil((this.now() + this.ttlMs) / 1000);
    const expiry = expiresAtSeconds.toString(36);
    const nonce = randomBytes(6).toString("base64url");
    const mac = this.mac(tool, args, callerTokenId, expiry, nonce).toString("base64url");
    return { code: `${expiry}.${nonce}.${mac}`, expiresAt: new Date(expiresAtSeconds * 1000) };
  }

  /** Checks a code for this exact call and uses it up; undefined when it is good. */
  redeem(code: string, tool: string, args: unknown, callerTokenId: string): ConfirmationRefusal | undefined {
    const match = /^([0-9a-z]{1,12})\.([\w-]{8})\.([\w-]{16})$/.exec(code.trim());
    if (!match) return "malformed";
    const [, expiry, nonce, presented] = match as unknown as [string, string, string, string];
    const expected = this.mac(tool, args, callerTokenId, expiry, nonce);
    const given = Buffer.from(presented, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "mismatch";
    const now = this.now();
    const expiresAtMs = parseInt(expiry, 36) * 1000;
    if (expiresAtMs <= now) return "expired";
    for (const [mac, until] of this.used) if (until <= now) this.used.delete(mac);
    if (this.used.has(presented)) return "used";
    this.used.set(presented, expiresAtMs);
    return undefined;
  }
}

/** The tool error text for a refused code: what is wrong, then what to do. */
export function refusalText(refusal: ConfirmationRefusal, tool: string): string {
  const why: Record<ConfirmationRefusal, string> = {
    malformed: "The confirmation is not a code this server issued.",
    mismatch:
      "This confirmation code was issued for another call: other arguments, another tool or another caller, or by a restarted server.",
    expired: "This confirmation code has expired.",
    used: "This confirmation code has already been used.",
  };
  return [
    `confirmation_refused: ${why[refusal]}`,
    `Nothing was changed. Call ${tool} again without confirmation to get a new code for exactly the arguments you mean,`,
    "show it to the user, and pass it only after they confirm.",
  ].join(" ");
}
