// A webhook receiver on loopback that checks every delivery's signature exactly as
// docs/webhooks.md tells receivers to, with the snippet taken from the document itself.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

const doc = readFileSync(new URL("../../docs/webhooks.md", import.meta.url), "utf8");
const snippet = /^```js\n([\s\S]*?)^```$/m.exec(doc)![1]!.replace(/^import .*\n/, "");

/** docs/webhooks.md's verifyTesseraSignature. */
export const verifyTesseraSignature = new Function("createHmac", "timingSafeEqual", `${snippet}\nreturn verifyTesseraSignature;`)(
  createHmac,
  timingSafeEqual,
) as (secret: string, header: string | undefined, rawBody: string, nowMs?: number) => boolean;

export interface Received {
  path: string;
  event: string;
  delivery: string;
  /** Whether the signature checked out against the secret registered for the path. */
  verified: boolean;
  body: { id: string; type: string; time: string; organization: string; data: Record<string, unknown> };
  time: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The secret deliveries to `path` must be signed with. */
  expect(path: string, secret: string): void;
  /** Answers requests to `path` with these statuses in turn (the last one repeats); 200 by default. */
  answer(path: string, ...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const secrets = new Map<string, string>();
  const answers = new Map<string, number[]>();
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "";
      const secret = secrets.get(path);
      received.push({
        path,
        event: String(req.headers["tessera-event"]),
        delivery: String(req.headers["tessera-delivery"]),
        verified: secret !== undefined && verifyTesseraSignature(secret, req.headers["tessera-signature"] as string | undefined, raw),
        body: JSON.parse(raw) as Received["body"],
        time: Date.now(),
      });
      const queue = answers.get(path) ?? [200];
      const status = queue.length > 1 ? queue.shift()! : queue[0]!;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    expect: (path, secret) => secrets.set(path, secret),
    answer: (path, ...statuses) => answers.set(path, statuses),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
