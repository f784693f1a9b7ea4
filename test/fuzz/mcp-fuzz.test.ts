// The MCP HTTP endpoint under hostile input: malformed JSON, malformed JSON-RPC, wrong content
// types, oversized bodies and odd tool arguments never yield a 5xx, and the server keeps serving.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tools } from "../../mcp/server.ts";
import { startMcpHarness, type McpHarness } from "../mcp/mcp-support.ts";

const runs = Math.max(100, Number(process.env.FUZZ_RUNS ?? 25));
const seed = Number(process.env.FUZZ_SEED ?? 20261123);
let m: McpHarness;
let requests = 0;

beforeAll(async () => {
  m = await startMcpHarness();
});
afterAll(async () => {
  console.log(`fuzzed ${requests} MCP requests`);
  await m.close();
});

async function post(body: string, contentType = "application/json"): Promise<number> {
  requests++;
  const response = await fetch(m.mcp.url, {
    method: "POST",
    headers: { authorization: `Bearer ${m.h.acme.token}`, "content-type": contentType, accept: "application/json, text/event-stream" },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const jsonRpc = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.string()),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    method: fc.oneof(fc.constantFrom("initialize", "tools/list", "tools/call", "prompts/get", "ping", "resources/list"), fc.string()),
    params: fc.oneof(
      fc.jsonValue(),
      fc.record({ name: fc.constantFrom(...tools.map((t) => t.name)), arguments: fc.dictionary(fc.string(), fc.jsonValue()) }),
    ),
  },
  { requiredKeys: [] },
);

describe("MCP endpoint fuzzing", () => {
  it("never answers 5xx to malformed JSON, malformed JSON-RPC or odd tool arguments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().map((s) => ({ body: s, type: "application/json" })),
          jsonRpc.map((r) => ({ body: JSON.stringify(r), type: "application/json" })),
          fc.array(jsonRpc, { maxLength: 3 }).map((r) => ({ body: JSON.stringify(r), type: "application/json" })),
          fc.constantFrom("text/plain", "application/xml", "multipart/form-data", "").map((type) => ({ body: "{}", type })),
        ),
        async ({ body, type }) => {
          const status = await post(body, type);
          expect(status, body.slice(0, 200)).toBeLessThan(500);
        },
      ),
      { numRuns: runs, seed },
    );
  });

  it("refuses oversized bodies with 413 and keeps serving", async () => {
    const huge = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(200_000) } });
    expect(await post(huge)).toBe(413);
    const client = await m.connect(m.h.acme.token);
    expect((await client.callTool({ name: "whoami", arguments: {} })).isError).toBeFalsy();
  });
});
