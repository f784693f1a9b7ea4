// What every command gets: the client (built on first use, from TESSERA_URL and TESSERA_TOKEN or
// --token-file) and the output.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { createTesseraClient, type TesseraClient } from "../client/client.ts";
import { createOutput, UsageError, type Output } from "./output.ts";

export interface GlobalOptions {
  url: string;
  tokenFile?: string;
  protocol: "connect" | "grpc";
  timeout: string;
  json: boolean;
}

export interface CommandContext {
  client(): TesseraClient;
  out: Output;
}

function readToken(tokenFile: string | undefined): string {
  const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : process.env.TESSERA_TOKEN?.trim();
  if (!token) throw new UsageError("no token: set TESSERA_TOKEN or pass --token-file");
  return token;
}

export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  let client: TesseraClient | undefined;
  return {
    out: createOutput(options.json),
    client: () =>
      (client ??= createTesseraClient({
        baseUrl: options.url,
        token: readToken(options.tokenFile),
        protocol: options.protocol,
        timeoutMs: Number(options.timeout) * 1000,
      })),
  };
}
