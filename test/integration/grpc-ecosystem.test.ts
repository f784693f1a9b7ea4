// Native gRPC clients (@grpc/grpc-js with @grpc/proto-loader on the same .proto files) against the
// identity port: management RPCs, metadata auth, deadlines, status codes, health and reflection;
// plus the operations endpoints.
import { resolve } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenOps, type OpsServer } from "../../services/identity/rpc/ops.ts";
import { verdict } from "../support/errors.ts";
import { startHarness, type Harness } from "../support/harness.ts";

const protoDir = resolve(import.meta.dirname, "../../proto");
let h: Harness;
let ops: OpsServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let pkg: any;

beforeAll(async () => {
  h = await startHarness();
  ops = await listenOps(h.identity.metrics, h.identity.health, "127.0.0.1", 0);
  const definition = protoLoader.loadSync(
    [
      "tessera/identity/v1/service_account.proto",
      "tessera/identity/v1/verify.proto",
      "grpc/health/v1/health.proto",
      "grpc/reflection/v1/reflection.proto",
      "grpc/reflection/v1alpha/reflection.proto",
    ],
    { includeDirs: [protoDir], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
  );
  pkg = grpc.loadPackageDefinition(definition);
});
afterAll(async () => {
  await ops.close();
  await h.close();
});

const address = () => new URL(h.url).host;
const credentials = () => grpc.credentials.createInsecure();
function metadata(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  return md;
}
function unary<T>(client: grpc.Client, method: string, request: object, md: grpc.Metadata, deadlineMs = 5000): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    (client as unknown as Record<string, Function>)[method]!(request, md, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: T) =>
      err ? reject(err) : resolvePromise(res),
    );
  });
}

describe("management RPCs over native gRPC", () => {
  it("creates and lists accounts with metadata auth", async () => {
    const client = new pkg.tessera.identity.v1.ServiceAccountService(address(), credentials());
    const created = await unary<{ serviceAccount: { id: string; name: string; status: string } }>(
      client,
      "createServiceAccount",
      { name: "grpc-bot", roleBindings: [{ role: "viewer", allEnvironments: true }] },
      metadata(h.acme.token),
    );
    expect(created.serviceAccount).toMatchObject({ name: "grpc-bot", status: "SERVICE_ACCOUNT_STATUS_ACTIVE" });
    const listed = await unary<{ serviceAccounts: { name: string }[] }>(client, "listServiceAccounts", { namePrefix: "grpc-" }, metadata(h.acme.token));
    expect(listed.serviceAccounts.map((a) => a.name)).toEqual(["grpc-bot"]);
    client.close();
  });

  it("maps refusals to gRPC status codes", async () => {
    const client = new pkg.tessera.identity.v1.ServiceAccountService(address(), credentials());
    await expect(unary(client, "listServiceAccounts", {}, metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(unary(client, "getServiceAccount", { id: "bad" }, metadata(h.acme.token))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(unary(client, "getServiceAccount", { id: "sa_000000000000000000000000" }, metadata(h.acme.token))).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    const viewer = await h.provision("grpc-viewer", [{ role: "viewer", allEnvironments: true }]);
    await expect(unary(client, "createServiceAccount", { name: "x-bot" }, metadata(viewer.token))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    client.close();
  });

  it("honours deadlines", async () => {
    const client = new pkg.tessera.identity.v1.VerifyService(address(), credentials());
    await expect(unary(client, "whoAmI", {}, metadata(h.acme.token), -1)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await expect(unary(client, "whoAmI", {}, metadata(h.acme.token), 5000)).resolves.toBeDefined();
    client.close();
  });
});

describe("grpc.health.v1.Health", () => {
  it("reports SERVING for the server and each service, NOT_FOUND for unknown ones, without a token", async () => {
    const client = new pkg.grpc.health.v1.Health(address(), credentials());
    expect(await unary(client, "check", { service: "" }, metadata())).toEqual({ status: "SERVING" });
    expect(await unary(client, "check", { service: "tessera.identity.v1.VerifyService" }, metadata())).toEqual({ status: "SERVING" });
    await expect(unary(client, "check", { service: "nope.Service" }, metadata())).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    client.close();
  });

  it("streams the status on Watch", async () => {
    const client = new pkg.grpc.health.v1.Health(address(), credentials());
    const call = client.watch({ service: "" });
    call.on("error", () => {}); // the cancellation below ends the call with CANCELLED
    const first = await new Promise((resolvePromise) => call.once("data", resolvePromise));
    expect(first).toEqual({ status: "SERVING" });
    call.cancel();
    client.close();
  });
});

describe("gRPC server reflection", () => {
  async function reflect(version: "v1" | "v1alpha", requests: object[]): Promise<any[]> {
    const client = new pkg.grpc.reflection[version].ServerReflection(address(), credentials());
    const call = client.serverReflectionInfo();
    const responses: any[] = [];
    const done = new Promise<void>((resolvePromise, reject) => {
      call.on("data", (r: any) => responses.push(r));
      call.on("end", () => resolvePromise());
      call.on("error", reject);
    });
    for (const request of requests) call.write(request);
    call.end();
    await done;
    client.close();
    return responses;
  }

  it.each(["v1", "v1alpha"] as const)("lists services and serves descriptors with their dependencies (%s)", async (version) => {
    const [list, symbol, method, file, missing] = await reflect(version, [
      { listServices: "" },
      { fileContainingSymbol: "tessera.identity.v1.VerifyService" },
      { fileContainingSymbol: "tessera.identity.v1.TokenService.RotateToken" },
      { fileByFilename: "tessera/identity/v1/common.proto" },
      { fileContainingSymbol: "no.such.Symbol" },
    ]);
    const services = list.listServicesResponse.service.map((s: { name: string }) => s.name);
    expect(services).toEqual(expect.arrayContaining(["tessera.identity.v1.ServiceAccountService", "grpc.health.v1.Health", `grpc.reflection.${version}.ServerReflection`]));
    const names = (r: any) => r.fileDescriptorResponse.fileDescriptorProto.map((b: Buffer) => fromBinary(FileDescriptorProtoSchema, b).name);
    expect(names(symbol)).toEqual(["tessera/identity/v1/verify.proto", "google/protobuf/timestamp.proto", "tessera/identity/v1/common.proto"]);
    expect(names(method)[0]).toBe("tessera/identity/v1/token.proto");
    expect(names(file)).toEqual(["tessera/identity/v1/common.proto"]);
    const verify = fromBinary(FileDescriptorProtoSchema, symbol.fileDescriptorResponse.fileDescriptorProto[0]);
    expect(verify.service[0]!.method.map((m) => m.name)).toEqual(["Verify", "WhoAmI"]);
    expect(missing.errorResponse.errorCode).toBe(grpc.status.NOT_FOUND);
  });
});

describe("operations endpoints", () => {
  it("answers /healthz and /readyz, and drains", async () => {
    expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${ops.url}/nope`)).status).toBe(404);
  });

  it("exports RPC, Verify and pool metrics", async () => {
    const gateway = await h.provision("metrics-gateway", [{ role: "verifier", allEnvironments: true }]);
    const client = new pkg.tessera.identity.v1.VerifyService(address(), credentials());
    type Answer = { valid: boolean; reason: string; message: string; identity: unknown };
    for (let i = 0; i < 2; i++) expect(verdict(await unary<Answer>(client, "verify", { token: gateway.token }, metadata(gateway.token)))).toBe("valid");
    // Once filled, both lookups of a call (the caller's credential and the token it presents) hit.
    const hitsBefore = h.identity.cache.lookups.hit;
    for (let i = 0; i < 2; i++) expect(verdict(await unary<Answer>(client, "verify", { token: gateway.token }, metadata(gateway.token)))).toBe("valid");
    expect(h.identity.cache.lookups.hit - hitsBefore).toBe(4);
    // A presented token that is not valid is an answer; the caller's own bad credential fails the call.
    expect(verdict(await unary<Answer>(client, "verify", { token: "tsr_bad" }, metadata(gateway.token)))).toBe("malformed");
    await expect(unary(client, "verify", { token: gateway.token }, metadata("tsr_bad"))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    client.close();
    const text = await (await fetch(`${ops.url}/metrics`)).text();
    expect(text).toMatch(/tessera_rpc_total\{method="Verify",code="ok"\} 5\n/);
    expect(text).toMatch(/tessera_rpc_total\{method="Verify",code="unauthenticated"\} 1\n/);
    expect(text).toMatch(/tessera_verify_total\{outcome="valid"\} 4\n/);
    expect(text).toMatch(/tessera_verify_total\{outcome="malformed"\} 1\n/);
    expect(text).not.toMatch(/tessera_verify_total\{outcome="(unauthenticated|ok)"\}/);
    expect(text).toMatch(/tessera_rpc_duration_seconds_bucket\{le="0.005",method="Verify",code="ok"\} \d+/);
    expect(text).toMatch(/tessera_db_pool_connections\{state="open"\} [1-9]/);
    expect(text).toContain("tessera_process_resident_memory_bytes");
    expect(text).toMatch(/tessera_verify_cache_lookups_total\{result="hit"\} [1-9]/);
    expect(text).toMatch(/tessera_verify_cache_entries [1-9]/);
    expect(text).not.toContain(gateway.token.slice(4, 20));
  });

  it("reports not ready while draining", async () => {
    const draining = await listenOps(h.identity.metrics, h.identity.health, "127.0.0.1", 0);
    draining.drain();
    const response = await fetch(`${draining.url}/readyz`);
    expect([response.status, await response.text()]).toEqual([503, "draining\n"]);
    await draining.close();
  });
});
