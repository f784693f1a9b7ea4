// Webhook signatures. Each webhook's secret is derived from one master key (HMAC-SHA256 of the
// webhook's id), so the database holds nothing that can sign: a leaked backup forges no event.
// The master key lives in a file beside the service; instances that share a database must share it.
import { createHmac, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const keyBytes = 32;

export class WebhookKeys {
  private key: Buffer | undefined;

  /** @param file the master key (base64 of at least 32 bytes), created with mode 0600 on first use when absent */
  constructor(private readonly file: string) {}

  /** The signing secret of a webhook (the same every time: the service never stores it). */
  secretOf(webhookId: string): string {
    return `whsec_${createHmac("sha256", this.master()).update(webhookId).digest("base64url")}`;
  }

  private master(): Buffer {
    this.key ??= readKey(this.file) ?? createKey(this.file);
    return this.key;
  }
}

function readKey(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const key = Buffer.from(text.trim(), "base64");
  // The path is named, never the content.
  if (key.length < keyBytes) throw new Error(`the webhook key file ${resolve(file)} must hold at least ${keyBytes} bytes, base64-encoded`);
  return key;
}

/** Writes a fresh key; when another process won the race, its key is used (link refuses to overwrite). */
function createKey(file: string): Buffer {
  mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, `${randomBytes(keyBytes).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readKey(file)!;
}

/** The Tessera-Signature header of `body` sent at `timeMs`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signatureHeader(secret: string, body: string, timeMs: number): string {
  const t = Math.floor(timeMs / 1000);
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}
