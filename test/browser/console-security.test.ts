// The console's sign-in, session and CSRF design, and the API port's HTTP/1.1 and TLS, attacked
// over plain sockets (no browser needed: a forged request is whatever an attacker sends).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import type { ConnectionOptions as TlsOptions, TLSSocket } from "node:tls";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/tessera/identity/v1/audit_pb.ts";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { hashToken } from "../../services/identity/domain/token-format.ts";
import { bootstrapOrganization } from "../../services/identity/use-cases/bootstrap.ts";
import { consoleHeaders, request, signIn, signInPath, startConsoleService, type ConsoleService } from "./support.ts";

const whoAmI = "/console/api/tessera.identity.v1.VerifyService/WhoAmI";
const createEnvironment = "/console/api/tessera.identity.v1.EnvironmentService/CreateEnvironment";

describe("the API port over HTTP/1.1 and the console's session", () => {
  let service: ConsoleService;
  beforeAll(async () => {
    service = await startConsoleService();
  });
  afterAll(() => service.close());

  /** A fresh account with `role` everywhere and its token. */
  const provision = async (name: string, role = "admin") => {
    const { serviceAccount } = await service.client(ServiceAccountService).createServiceAccount({ name, roleBindings: [{ role, allEnvironments: true }] });
    const { secret, token } = await service.client(TokenService).createToken({ accountId: serviceAccount!.id, label: "console" });
    return { secret, tokenId: token!.id, accountId: serviceAccount!.id };
  };
  const me = (session: string) => request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });

  it("answers plain HTTP/1.1 (Connect and gRPC-Web) beside HTTP/2 with prior knowledge", async () => {
    const reply = await request(service.url, "/tessera.identity.v1.VerifyService/WhoAmI", {
      headers: { "content-type": "application/json", authorization: `Bearer ${service.admin.token}` },
      body: "{}",
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).identity.principal.accountName).toBe("admin");
    const grpcWeb = createClient(VerifyService, createGrpcWebTransport({ baseUrl: service.url, httpVersion: "1.1", interceptors: [] }));
    const me = await grpcWeb.whoAmI({}, { headers: { authorization: `Bearer ${service.admin.token}` } });
    expect(me.channel).toBe("grpc-web");
    expect((await service.client(VerifyService).whoAmI({})).channel).toBe("connect");
    // Connections cut before their protocol is known (after 0, 2 or 3 bytes) harm nothing.
    for (const bytes of ["", "PR", "POS"]) {
      const socket = net.connect(Number(new URL(service.url).port), "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      if (bytes) socket.write(bytes);
      socket.resetAndDestroy();
    }
    expect((await service.client(VerifyService).whoAmI({})).channel).toBe("connect");
  });

  it("serves the console page with a strict Content-Security-Policy", async () => {
    const reply = await request(service.url, "/console/", { method: "GET" });
    expect([200, 404]).toContain(reply.status);
    const csp = String(reply.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers["referrer-policy"]).toBe("no-referrer");
    for (const path of ["/console/assets/../../package.json", "/console/%2e%2e/package.json", "/console/assets/%2e%2e%2fpackage.json", "/console/.env"]) {
      expect((await request(service.url, path, { method: "GET" })).status, path).toBe(404);
    }
  });

  it("signs in with a session cookie that is HttpOnly, SameSite=Strict, scoped to /console/ and carries no token", async () => {
    const reply = await request(service.url, signInPath, {
      headers: { ...consoleHeaders(service.url), authorization: `Bearer ${service.admin.token}` },
      body: "{}",
    });
    expect(reply.status).toBe(200);
    const cookie = reply.headers["set-cookie"]![0]!;
    expect(cookie).toMatch(/^tessera_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/console/");
    expect(cookie).not.toContain("Secure"); // cleartext: a Secure cookie would never come back
    expect(cookie).not.toContain(service.admin.token);
    expect(reply.body).not.toContain(service.admin.token);
    const session = cookie.split(";")[0]!;
    const me = await request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ channel: "console", identity: { principal: { accountName: "admin" } } });
  });

  it("refuses cookie-authenticated calls without the console's Origin or with a simple content type", async () => {
    const session = await signIn(service.url, service.admin.token);
    const good = consoleHeaders(service.url, session);
    const forged: [string, Record<string, string>, string?][] = [
      ["no Origin", { ...good, origin: "" }],
      ["another Origin", { ...good, origin: "https://evil.example" }],
      ["a look-alike Origin", { ...good, origin: `${service.url}.evil.example` }],
      ["Origin null", { ...good, origin: "null" }],
      ["text/plain", { ...good, "content-type": "text/plain" }],
      ["a form", { ...good, "content-type": "application/x-www-form-urlencoded" }],
      ["multipart", { ...good, "content-type": "multipart/form-data; boundary=x" }],
      ["binary Connect", { ...good, "content-type": "application/proto" }],
      ["no Connect-Protocol-Version", { ...good, "connect-protocol-version": "" }],
      ["a cross-site fetch", { ...good, "sec-fetch-site": "cross-site" }],
      ["GET", good, "GET"],
    ];
    for (const [what, headers, method] of forged) {
      const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ""));
      const reply = await request(service.url, createEnvironment, { method, headers: sent, body: method === "GET" ? undefined : '{"name":"forged"}' });
      expect(reply.status, what).toBe(403);
      expect(JSON.parse(reply.body).code, what).toBe("permission_denied");
    }
    const signInForged = await request(service.url, signInPath, {
      headers: { ...good, origin: "https://evil.example", authorization: `Bearer ${service.admin.token}` },
      body: "{}",
    });
    expect(signInForged.status).toBe(403);
    expect(signInForged.headers["set-cookie"]).toBeUndefined();
    const signOutForged = await request(service.url, "/console/sign-out", { headers: { ...good, origin: "https://evil.example" }, body: "{}" });
    expect(signOutForged.status).toBe(403);
    const { environments } = await service.client(EnvironmentService).listEnvironments({});
    expect(environments.map((e) => e.name)).not.toContain("forged");
    // The genuine call passes, and is audited on channel "console".
    expect((await request(service.url, createEnvironment, { headers: good, body: '{"name":"staging"}' })).status).toBe(200);
    const { events } = await service.client(AuditService).listAuditEvents({ action: "environment.create" });
    expect(events.map((e) => [e.target, e.channel, e.outcome])).toEqual([["staging", "console", "ok"]]);
  });

  it("never mixes credentials: a cookie is ignored by the bearer API, and a console call with a bearer token is refused", async () => {
    const viewer = await provision("console-viewer", "viewer");
    const session = await signIn(service.url, viewer.secret);
    const rootWithCookie = await request(service.url, "/tessera.identity.v1.VerifyService/WhoAmI", {
      headers: { "content-type": "application/json", cookie: session },
      body: "{}",
    });
    expect(rootWithCookie.status).toBe(401);
    const both = await request(service.url, createEnvironment, {
      headers: { ...consoleHeaders(service.url, session), authorization: `Bearer ${service.admin.token}` },
      body: '{"name":"widened"}',
    });
    expect(both.status).toBe(400);
    expect(both.body).toContain("authorization");
    const delegated = await request(service.url, whoAmI, {
      headers: { ...consoleHeaders(service.url, session), "x-tessera-subject-token": service.admin.token },
      body: "{}",
    });
    expect(delegated.status).toBe(400);
    // The console acts with exactly the token's rights.
    const denied = await request(service.url, createEnvironment, { headers: consoleHeaders(service.url, session), body: '{"name":"widened"}' });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toContain("environments.write");
  });

  it("ends the session at once when its token is revoked, and sign-out ends it", async () => {
    const { secret, tokenId } = await provision("console-revoked");
    const session = await signIn(service.url, secret);
    expect((await request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" })).status).toBe(200);
    await service.client(TokenService).revokeToken({ id: tokenId, reason: "test" });
    const after = await request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });
    expect(after.status).toBe(401);
    // Restoring the token does not revive the session: it ended.
    await service.client(TokenService).restoreToken({ id: tokenId });
    const restored = await request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });
    expect(restored.status).toBe(401);
    expect(JSON.parse(restored.body).message).toContain("revoked");

    const again = await signIn(service.url, secret);
    const out = await request(service.url, "/console/sign-out", { headers: consoleHeaders(service.url, again), body: "{}" });
    expect(out.status).toBe(204);
    expect(out.headers["set-cookie"]?.[0]).toMatch(/^tessera_console=; .*Max-Age=0/);
    expect((await request(service.url, whoAmI, { headers: consoleHeaders(service.url, again), body: "{}" })).status).toBe(401);
  });

  it("ends the session when its token is revoked then restored, or its account disabled then enabled, with no call in between", async () => {
    const revoked = await provision("console-revoke-restore", "viewer");
    const disabled = await provision("console-disable-enable", "viewer");
    const [first, second] = [await signIn(service.url, revoked.secret), await signIn(service.url, disabled.secret)];
    await service.client(TokenService).revokeToken({ id: revoked.tokenId, reason: "test" });
    await service.client(TokenService).restoreToken({ id: revoked.tokenId });
    await service.client(ServiceAccountService).disableServiceAccount({ id: disabled.accountId });
    await service.client(ServiceAccountService).enableServiceAccount({ id: disabled.accountId });
    const [afterRestore, afterEnable] = [await me(first), await me(second)];
    expect([afterRestore.status, afterEnable.status]).toEqual([401, 401]);
    expect(JSON.parse(afterRestore.body).message).toContain("its token was revoked, restored");
    expect(JSON.parse(afterEnable.body).message).toContain("its service account was disabled, enabled");
    // Signing in again afterwards works: the changes end only the sessions that were open.
    expect((await me(await signIn(service.url, revoked.secret))).status).toBe(200);
  });

  it("ends the session when another instance changes its token (through the invalidation log)", async () => {
    const viewer = await provision("console-elsewhere", "viewer");
    const session = await signIn(service.url, viewer.secret);
    // What another instance's revocation leaves in the log this instance follows.
    await service.identity.store.invalidations.append([{ _id: new ObjectId(), kind: "token", key: hashToken(viewer.secret), time: new Date() }]);
    await expect.poll(async () => (await me(session)).status, { timeout: 5000 }).toBe(401);
  });

  it("refuses a request carrying the session cookie twice, and clears it", async () => {
    const viewer = await provision("console-tossed", "viewer");
    const [tossed, own] = [await signIn(service.url, viewer.secret), await signIn(service.url, service.admin.token)];
    for (const cookie of [`${tossed}; ${own}`, `${own}; ${tossed}`, `${own}; ${own}`]) {
      const reply = await me(cookie);
      expect(reply.status, cookie).toBe(401);
      expect(JSON.parse(reply.body).message).toContain("more than once");
      expect(reply.headers["set-cookie"]?.[0]).toMatch(/^tessera_console=; .*Max-Age=0/);
    }
    expect((await me(own)).status).toBe(200);
  });

  it("refuses the public methods through a session: they are no console calls", async () => {
    const session = await signIn(service.url, service.admin.token);
    const victim = await provision("console-leaky", "viewer");
    for (const [path, body] of [
      ["/console/api/tessera.identity.v1.LeakService/ReportLeakedTokens", { tokens: [{ token: victim.secret, url: "https://example.com/x" }] }],
      ["/console/api/tessera.identity.v1.FederationService/ExchangeToken", { organization: "acme", policy: "p", token: "x" }],
    ] as const) {
      const reply = await request(service.url, path, { headers: consoleHeaders(service.url, session), body: JSON.stringify(body) });
      expect(reply.status, path).toBe(403);
      expect(JSON.parse(reply.body).message).toContain("is not a console call");
    }
    expect((await me(await signIn(service.url, victim.secret))).status).toBe(200);
  });

  it("audits each successful sign-in as console.sign_in, under the token's organisation and actor", async () => {
    const viewer = await provision("console-audited", "viewer");
    await signIn(service.url, viewer.secret);
    const { events } = await service.client(AuditService).listAuditEvents({ action: "console.sign_in" });
    const mine = events.filter((e) => e.actor?.tokenId === viewer.tokenId);
    expect(mine.map((e) => [e.channel, e.outcome, e.actor?.accountName])).toEqual([["console", "ok", "console-audited"]]);
  });

  it("refuses unknown, malformed and guessed session ids", async () => {
    for (const cookie of ["tessera_console=", "tessera_console=x", `tessera_console=${"A".repeat(43)}`, "tessera_console=../../etc"]) {
      expect((await request(service.url, whoAmI, { headers: consoleHeaders(service.url, cookie), body: "{}" })).status, cookie).toBe(401);
    }
    // A cookie naming no session is cleared.
    expect((await me(`tessera_console=${"A".repeat(43)}`)).headers["set-cookie"]?.[0]).toMatch(/^tessera_console=; .*Max-Age=0/);
  });
});

describe("console session lifetimes and sign-in throttling", () => {
  let service: ConsoleService;
  beforeAll(async () => {
    service = await startConsoleService({ TESSERA_CONSOLE_IDLE_MS: "1500", TESSERA_CONSOLE_SESSION_MS: "3000", TESSERA_AUTH_FAILURE_LIMIT: "3" });
  });
  afterAll(() => service.close());
  const me = (session: string) => request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("ends an idle session, and a busy one at its absolute lifetime", async () => {
    const idle = await signIn(service.url, service.admin.token);
    const busy = await signIn(service.url, service.admin.token);
    expect(busy).toContain("tessera_console=");
    const started = Date.now();
    while (Date.now() - started < 2500) {
      expect((await me(busy)).status).toBe(200);
      await sleep(500);
    }
    expect((await me(idle)).status).toBe(401);
    await sleep(Math.max(0, 3100 - (Date.now() - started)));
    expect((await me(busy)).status).toBe(401);
  });

  it("throttles failed sign-ins like every failed authentication, and audits them", async () => {
    // A revoked token: its failures are filed under its organisation, where an admin reads them.
    const { token, secret } = await service.client(TokenService).createToken({ accountId: service.admin.accountId, label: "leaked" });
    await service.client(TokenService).revokeToken({ id: token!.id });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const reply = await request(service.url, signInPath, {
        headers: { ...consoleHeaders(service.url), authorization: `Bearer ${secret}` },
        body: "{}",
      });
      statuses.push(reply.status);
      expect(reply.headers["set-cookie"]).toBeUndefined();
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const { events } = await service.client(AuditService).listAuditEvents({ action: "auth.failed" });
    expect(events.filter((e) => e.channel === "console" && e.actor?.tokenId === token!.id)).toHaveLength(5);
  });
});

describe("console sessions held for many tenants", () => {
  let service: ConsoleService;
  beforeAll(async () => {
    service = await startConsoleService({ TESSERA_CONSOLE_MAX_SESSIONS: "8", TESSERA_CONSOLE_MAX_SESSIONS_PER_ORG: "6" });
  });
  afterAll(() => service.close());
  const me = (session: string) => request(service.url, whoAmI, { headers: consoleHeaders(service.url, session), body: "{}" });

  it("never ends another organisation's sessions: a token holds 5, an organisation its share, and a full instance refuses sign-ins", async () => {
    const victim = await signIn(service.url, service.admin.token);
    const globex = await bootstrapOrganization(service.identity.store, {
      org: "globex",
      adminName: "admin",
      tokenPrefix: "tsr",
      tokenPolicy: { maxTtlMs: null, defaultTtlMs: null },
      channel: "cli",
    });
    // One token: its sixth session ends its own first one.
    const held = [];
    for (let i = 0; i < 6; i++) held.push(await signIn(service.url, globex.token));
    expect((await me(held[0]!)).status).toBe(401);
    expect((await me(held[5]!)).status).toBe(200);
    // Another token of the organisation: past its share of 6, the organisation's own oldest session ends.
    const { secret: second } = await service.client(TokenService, globex.token).createToken({ accountId: globex.accountId, label: "second" });
    for (let i = 0; i < 2; i++) await signIn(service.url, second);
    expect((await me(held[1]!)).status).toBe(401);
    expect((await me(victim)).status).toBe(200);
    // 7 held (acme 1, globex 6); one more fills the instance, and the next sign-in is refused.
    const { secret: other } = await service.client(TokenService).createToken({ accountId: service.admin.accountId, label: "other" });
    await signIn(service.url, other);
    const refused = await request(service.url, signInPath, { headers: { ...consoleHeaders(service.url), authorization: `Bearer ${other}` }, body: "{}" });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).message).toContain("as many console sessions as it may (8)");
    expect(refused.headers["set-cookie"]).toBeUndefined();
    expect((await me(victim)).status).toBe(200);
  });
});

describe("console sign-in throttling", () => {
  let service: ConsoleService;
  beforeAll(async () => {
    // Behind a trusted proxy (this test), X-Forwarded-For names the client.
    service = await startConsoleService({ TESSERA_CONSOLE_SIGN_INS_PER_MINUTE: "3", TESSERA_TRUSTED_PROXIES: "127.0.0.1" });
  });
  afterAll(() => service.close());
  const signInFrom = (client: string, token: string) =>
    request(service.url, signInPath, { headers: { ...consoleHeaders(service.url), authorization: `Bearer ${token}`, "x-forwarded-for": client }, body: "{}" });

  it("limits successful sign-ins per token and per client address", async () => {
    const statuses = [];
    for (const client of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]) statuses.push((await signInFrom(client, service.admin.token)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const { secret } = await service.client(TokenService).createToken({ accountId: service.admin.accountId, label: "second" });
    for (let i = 0; i < 2; i++) expect((await signInFrom("10.0.0.1", secret)).status).toBe(200);
    const refused = await signInFrom("10.0.0.1", secret);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).message).toContain("too many console sign-ins from this client or with this token");
    expect(refused.headers["set-cookie"]).toBeUndefined();
  });
});

describe("the API port's deadlines", () => {
  let service: ConsoleService;
  beforeAll(async () => {
    service = await startConsoleService({}, { headersTimeoutMs: 500, idleTimeoutMs: 500 });
  });
  afterAll(() => service.close());
  const port = () => Number(new URL(service.url).port);
  /** Writes `first`, then `next` every 100 ms; resolves with what came back and when the server closed it. */
  const trickle = (first: string, next: string) =>
    new Promise<{ reply: string; closedAfterMs: number }>((resolve) => {
      const socket = net.connect(port(), "127.0.0.1");
      const started = Date.now();
      let reply = "";
      socket.on("data", (chunk: Buffer) => (reply += chunk.toString("latin1")));
      socket.on("error", () => {});
      const timer = setInterval(() => next && socket.write(next), 100);
      const give = setTimeout(() => socket.destroy(), 5000);
      socket.on("close", () => {
        clearInterval(timer);
        clearTimeout(give);
        resolve({ reply, closedAfterMs: Date.now() - started });
      });
      socket.write(first);
    });

  it("closes an HTTP/1.1 connection that trickles its headers, and one that never shows its protocol", async () => {
    const slow = await trickle("GET /console/ HTTP/1.1\r\nHost: x\r\n", "X-A: b\r\n");
    expect(slow.reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.closedAfterMs).toBeLessThan(2500);
    const silent = await trickle("P", "");
    expect(silent.closedAfterMs).toBeLessThan(2500);
    // A prompt request is served.
    expect((await request(service.url, "/console/", { method: "GET" })).status).not.toBe(408);
  });

  it("closes an idle HTTP/2 connection, but not one holding a quiet Watch stream", async () => {
    const idle = http2.connect(service.url);
    idle.on("error", () => {});
    const watching = http2.connect(service.url);
    const stream = watching.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Watch", "content-type": "application/grpc", te: "trailers" });
    let messages = 0;
    stream.on("data", () => messages++);
    stream.end(Buffer.alloc(5)); // one empty message: every service
    await new Promise((resolve) => idle.once("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([messages > 0, watching.closed, stream.closed]).toEqual([true, false, false]);
    stream.close();
    watching.close();
  });
});

describe("TLS on the API port", () => {
  let service: ConsoleService;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    const tls = { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) };
    service = await startConsoleService({ TESSERA_TLS_CERT: join(dir, "cert.pem"), TESSERA_TLS_KEY: join(dir, "key.pem") }, { tls });
  });
  afterAll(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("speaks HTTP/2 and HTTP/1.1 by ALPN, and the session cookie is Secure", async () => {
    expect(service.url).toMatch(/^https:/);
    const options: https.RequestOptions & TlsOptions = {
      method: "POST",
      rejectUnauthorized: false,
      agent: false,
      ALPNProtocols: ["http/1.1"],
      headers: { ...consoleHeaders(service.url), authorization: `Bearer ${service.admin.token}` },
    };
    const h1 = await new Promise<{ status: number; alpn: string; cookie: string }>((resolve, reject) => {
      const req = https.request(
        new URL(signInPath, service.url),
        options,
        (res) => {
          res.resume();
          resolve({ status: res.statusCode!, alpn: (res.socket as TLSSocket).alpnProtocol || "", cookie: res.headers["set-cookie"]![0]! });
        },
      );
      req.on("error", reject);
      req.end("{}");
    });
    expect(h1.status).toBe(200);
    expect(h1.alpn).toBe("http/1.1");
    expect(h1.cookie).toMatch(/^__Secure-tessera_console=.*; Secure/);
    // HTTP/2 (the unary fast path): the bearer API, and a console call with the session cookie.
    const session = http2.connect(service.url, { rejectUnauthorized: false });
    const post = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": path, ...headers });
        stream.on("response", (answer) => resolve(Number(answer[":status"])));
        stream.on("error", reject);
        stream.resume();
        stream.end("{}");
      });
    const bearerStatus = await post("/tessera.identity.v1.VerifyService/WhoAmI", { "content-type": "application/json", authorization: `Bearer ${service.admin.token}` });
    const consoleStatus = await post(whoAmI, consoleHeaders(service.url, h1.cookie.split(";")[0]));
    const forgedStatus = await post(whoAmI, { ...consoleHeaders(service.url, h1.cookie.split(";")[0]), origin: "https://evil.example" });
    session.close();
    expect([bearerStatus, consoleStatus, forgedStatus]).toEqual([200, 200, 403]);
  });
});
