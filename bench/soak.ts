// `npm run soak`: a mixed load at half capacity for SOAK_SECONDS (default 600): Verify from h2load
// at a fixed rate, plus a management client creating, listing and revoking tokens. Reports errors
// and the service's resident memory every 30 s.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MongoClient } from "mongodb";
import { TokenService } from "../gen/tessera/identity/v1/token_pb.ts";
import { VerifyRequestSchema } from "../gen/tessera/identity/v1/verify_pb.ts";
import { startDatabase } from "../services/database/embedded-database.ts";
import { grpcFrame } from "../services/identity/rpc/unary-fast-path.ts";
import { bearer } from "../test/support/harness.ts";
import { h2load } from "./h2load.ts";
import { startPinned } from "./processes.ts";
import { seed } from "./seed.ts";

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const database = await startDatabase({ log: console.error });
const mongo = await new MongoClient(database.uri).connect();
const seeded = await seed(mongo.db("soak"), 1000);
const env = {
  MONGODB_URI: database.uri,
  TESSERA_DB_NAME: "soak",
  TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-soak-")),
  TESSERA_PORT: "0",
  TESSERA_OPS_PORT: "0",
  TESSERA_MCP_ENABLED: "false",
};
const server = await startPinned("0", "services/main.ts", env, /"url":"(http:\/\/[^"]+)","msg":"operations/);
const url = /"url":"(http:\/\/[^"/]+)","msg":"identity service/.exec(server.output())![1]!;
const ops = server.match[1]!;
const body = grpcFrame(toBinary(VerifyRequestSchema, create(VerifyRequestSchema, { token: seeded.presented[0]! })));
const headers = { authorization: `Bearer ${seeded.verifier}` };
const settings = { connections: 4, streams: 16, cpu: "1" };

const capacity = (await h2load(`${url}/tessera.identity.v1.VerifyService/Verify`, body, headers, { ...settings, requests: 20_000 })).rps;
const rate = Math.round(capacity / 2);
console.log(`capacity ${Math.round(capacity)} Verify/s; soaking at ${rate}/s with management traffic for ${seconds} s`);

const tokens = createClient(TokenService, createConnectTransport({ baseUrl: url, httpVersion: "2", interceptors: [bearer(seeded.admin)] }));
let managementCalls = 0;
let managementErrors = 0;
const deadline = Date.now() + seconds * 1000;
const management = (async () => {
  while (Date.now() < deadline) {
    try {
      const created = await tokens.createToken({ accountId: seeded.botAccountId, label: "soak" });
      await tokens.listTokens({ accountId: seeded.botAccountId, pageSize: 20 });
      await tokens.revokeToken({ id: created.token!.id });
      await tokens.deleteToken({ id: created.token!.id });
      managementCalls += 4;
    } catch {
      managementErrors++;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
})();

const samples: { second: number; rssMb: number; verifyP99Ms: number; failed: number }[] = [];
const started = Date.now();
while (Date.now() < deadline) {
  const slice = Math.min(30, Math.ceil((deadline - Date.now()) / 1000));
  const result = await h2load(`${url}/tessera.identity.v1.VerifyService/Verify`, body, headers, { ...settings, requests: rate * slice, rate });
  const rssKb = Number(execFileSync("ps", ["-o", "rss=", "-p", String(server.child.pid)]).toString().trim().split("\n").pop());
  samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: Math.round(rssKb / 1024), verifyP99Ms: result.p99Ms, failed: result.failed });
  console.log(JSON.stringify(samples.at(-1)));
}
await management;
const metrics = await (await fetch(`${ops}/metrics`)).text();
const verifyErrors = [...metrics.matchAll(/tessera_rpc_total\{method="Verify",code="(\w+)"\} (\d+)/g)].filter(([, code]) => code !== "ok");
// The presented token is valid: any other Verify outcome (an answer, not an error) is a failure too.
const invalidAnswers = [...metrics.matchAll(/tessera_verify_total\{outcome="(\w+)"\} (\d+)/g)].filter(([, outcome]) => outcome !== "valid");
console.log(
  JSON.stringify(
    {
      managementCalls,
      managementErrors,
      verifyErrors: verifyErrors.map(([, c, n]) => `${c}=${n}`),
      verifyInvalid: invalidAnswers.map(([, o, n]) => `${o}=${n}`),
      samples,
    },
    null,
    2,
  ),
);
await server.stop();
await mongo.close();
await database.stop();
process.exit(0);
