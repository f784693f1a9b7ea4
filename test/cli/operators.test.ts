// The `tessera` CLI as operators use it, against a real identity service: names wherever an account
// is expected, whole accounts in `get`, the product's columns, tables that fit the terminal and
// tab-separated rows for pipes, removing bindings and managers, confirmations, validated flags,
// the rotation's default grace, shell completion and the exit codes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { cli, cliPath, fields, runProcess, tsv } from "./run.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const name of ["staging", "production"]) await h.client(EnvironmentService).createEnvironment({ name });
});
afterAll(() => h.close());

const tessera = cli(
  () => h.url,
  () => h.acme.token,
);

async function ok(args: string[], options: Parameters<typeof tessera>[1] = {}) {
  const result = await tessera(args, options);
  expect(result.code, `tessera ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

async function newToken(account: string, label: string): Promise<{ id: string; secret: string }> {
  const created = JSON.parse((await ok(["--json", "tokens", "create", account, "--label", label])).stdout);
  return { id: created.token.id, secret: created.secret };
}

describe("names and whole accounts", () => {
  it("takes an account's name wherever it takes its id, and `accounts get` shows the whole account", async () => {
    await ok(["accounts", "create", "ci-deployer", "--display-name", "CI Deployer", "--description", "ships the app", "--owner", "platform", "--role", "developer@staging"]);
    await ok(["accounts", "create", "ci-lead", "--role", "developer"]);
    // Names as manager accounts, and a name that is a prefix of another's is matched exactly.
    await ok(["accounts", "update", "ci-deployer", "--add-manager-account", "ci-lead", "--add-manager-role", "viewer"]);
    const token = await newToken("ci-deployer", "github");
    await ok(["tokens", "create", "ci-deployer", "--label", "spare"]);
    for (let i = 0; i < 3; i++) await ok(["whoami"], { token: token.secret });

    // Uses in the last 24 hours come from the token's hourly usage, flushed in the background.
    let detail: Record<string, string> = {};
    let tokens: Record<string, string>[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const got = await ok(["accounts", "get", "ci-deployer"]);
      detail = fields(got.stdout);
      tokens = tsv(got.stdout.split("\n\n")[1]!);
      if (tokens.find((t) => t.label === "github")?.uses24h === "3") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(detail).toMatchObject({
      name: "ci-deployer",
      displayName: "CI Deployer",
      description: "ships the app",
      owner: "platform",
      status: "active",
      roles: "developer@staging",
      managerAccounts: "ci-lead",
      managerRoles: "viewer",
      createdBy: "admin",
      activeTokens: "2",
    });
    expect(detail.id).toMatch(/^sa_[0-9a-f]{24}$/);
    expect(detail.created).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tokens.map((t) => t.label).sort()).toEqual(["github", "spare"]);
    const github = tokens.find((t) => t.label === "github")!;
    expect(github).toMatchObject({ id: token.id, status: "active", uses24h: "3", expires: "" });
    expect(github.lastUsed).toMatch(/^\d{4}-/);
    expect(github.hint).toBe(token.secret.slice(-4));

    // The same by id, and JSON keeps the API's shape.
    const byId = JSON.parse((await ok(["--json", "accounts", "get", detail.id!])).stdout);
    expect(Object.keys(byId)).toEqual(["serviceAccount"]);
    expect(byId.serviceAccount).toMatchObject({ name: "ci-deployer", displayName: "CI Deployer" });

    const listed = JSON.parse((await ok(["--json", "tokens", "list", "--account", "ci-deployer"])).stdout);
    expect(Object.keys(listed)).toEqual(["tokens"]);
    expect(listed.tokens).toHaveLength(2);
    const audit = tsv((await ok(["audit", "--target", "ci-deployer"])).stdout);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["service_account.create", "service_account.update"]));
    expect(audit.every((e) => e.target === detail.id || e.target === "ci-deployer")).toBe(true);
    const byActor = tsv((await ok(["audit", "--actor", "ci-deployer"])).stdout);
    expect(byActor.every((e) => e.actor === "ci-deployer")).toBe(true);

    const missing = await tessera(["accounts", "get", "no-such-bot"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('no service account named "no-such-bot"');
    const malformed = await tessera(["tokens", "list", "--account", "Not_A_Name"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--account");
  });

  it("lists accounts and tokens with the product's columns, rotations included", async () => {
    await ok(["accounts", "create", "list-bot", "--display-name", "List Bot", "--role", "viewer@staging", "--role", "verifier"]);
    const first = await newToken("list-bot", "deploy");
    const accounts = tsv((await ok(["accounts", "list", "--prefix", "list-"])).stdout);
    expect((await ok(["accounts", "list", "--prefix", "list-"])).stdout.split("\n")[0]).toBe(
      "name\tdisplayName\troles\tcreated\tactiveTokens\tlastUsed\tstatus",
    );
    expect(accounts).toEqual([
      { name: "list-bot", displayName: "List Bot", roles: "viewer@staging verifier", created: expect.stringMatching(/^\d{4}-/), activeTokens: "1", lastUsed: "", status: "active" },
    ]);

    const rotated = JSON.parse((await ok(["--json", "tokens", "rotate", first.id])).stdout);
    const second = rotated.token.id as string;
    const secondHint = (rotated.secret as string).slice(-4);
    const tokens = tsv((await ok(["tokens", "list", "--account", "list-bot"])).stdout);
    expect(Object.keys(tokens[0]!)).toEqual(["id", "label", "hint", "expires", "lastUsed", "uses24h", "status", "rotatedFrom", "rotatedTo"]);
    expect(tokens.find((t) => t.id === first.id)).toMatchObject({ rotatedTo: second, rotatedFrom: "", status: "active" });
    expect(tokens.find((t) => t.id === second)).toMatchObject({ rotatedFrom: first.id, rotatedTo: "" });
    // Without --account, the account's name beside each token.
    const all = tsv((await ok(["tokens", "list", "--label", "deploy"])).stdout);
    expect(all.filter((t) => t.account === "list-bot")).toHaveLength(2);
    // On a terminal, the rotation reads as arrows to the other token's hint.
    const table = (await ok(["tokens", "list", "--account", "list-bot"], { tty: 200 })).stdout.split("\n");
    expect(table[0]).toMatch(/^ID\s+LABEL\s+HINT\s+EXPIRES\s+LAST USED\s+USES 24H\s+STATUS\s+ROTATION$/);
    expect(table.find((line) => line.startsWith(first.id))).toMatch(new RegExp(`in 23h\\s+never\\s+0\\s+active\\s+→ …${secondHint}$`));
    expect(table.find((line) => line.startsWith(second))).toMatch(new RegExp(`← …${first.secret.slice(-4)}$`));
  });
});

describe("tables", () => {
  it("fit the terminal's width, cutting long cells, and print tab-separated rows to pipes", async () => {
    await ok(["accounts", "create", "wide-bot", "--display-name", "A display name long enough to be cut somewhere", "--role", "developer@staging,production", "--role", "verifier", "--role", "viewer"]);
    for (const width of [60, 100]) {
      const out = (await ok(["accounts", "list", "--prefix", "wide-"], { tty: width })).stdout;
      const lines = out.trimEnd().split("\n");
      // Headers are cut only when the table cannot fit otherwise.
      if (width >= 80) expect(lines[0]).toMatch(/^NAME\s+DISPLAY NAME\s+ROLES\s+CREATED\s+TOKENS\s+LAST USED\s+STATUS$/);
      else expect(lines[0]).toMatch(/^NAME\s+DISPLA?Y?/);
      expect(lines[1]).toMatch(/^wide-bot\s/);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
      expect(lines[1]).toContain("…");
      // Too narrow for every column: the creation time is left out first.
      if (width >= 80) expect(lines[1]).toMatch(/\sjust now\s/);
      else expect(lines[0]).not.toContain("CREATED");
    }
    const detail = (await ok(["accounts", "get", "wide-bot"], { tty: 50 })).stdout;
    for (const line of detail.trimEnd().split("\n")) expect([...line].length).toBeLessThanOrEqual(50);
    expect(detail).toContain("TOKENS\n(none)");
    // Pipes get every character, tab-separated.
    expect(tsv((await ok(["accounts", "list", "--prefix", "wide-"])).stdout)[0]!.displayName).toBe("A display name long enough to be cut somewhere");
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)("uses the width of a real terminal", async () => {
    const env = { PATH: process.env.PATH ?? "", TESSERA_URL: h.url, TESSERA_TOKEN: h.acme.token, TERM: "dumb" };
    const command = `stty cols 64 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} roles list`;
    const result = await runProcess("script", ["-qec", command, "/dev/null"], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.replace(/\r/g, "").trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+BUILT IN\s+PERMISSIONS\s+DESCRIPTION$/);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(64);
    expect(lines.some((line) => line.includes("…"))).toBe(true);
  });
});

describe("accounts update", () => {
  it("adds and removes role bindings and managers one by one", async () => {
    await ok(["accounts", "create", "edit-bot", "--role", "developer@staging", "--role", "viewer"]);
    await ok(["accounts", "create", "edit-lead", "--role", "developer"]);
    const roles = async () => fields((await ok(["accounts", "get", "edit-bot"])).stdout);

    await ok(["accounts", "update", "edit-bot", "--add-role", "developer@production", "--add-manager-account", "edit-lead", "--add-manager-role", "security-analyst", "--display-name", "Edit Bot"]);
    expect(await roles()).toMatchObject({ roles: "developer@staging,production viewer", managerAccounts: "edit-lead", managerRoles: "security-analyst", displayName: "Edit Bot" });

    await ok(["accounts", "update", "edit-bot", "--remove-role", "developer@staging", "--remove-role", "viewer"]);
    expect((await roles()).roles).toBe("developer@production");
    // Narrowing keeps the managers; only widening clears them (rule 4).
    expect((await roles()).managerAccounts).toBe("edit-lead");

    const removed = await ok(["accounts", "update", "edit-bot", "--remove-manager-account", "edit-lead", "--remove-manager-role", "security-analyst", "--remove-manager-role", "viewer"]);
    expect(removed.stderr).toContain("edit-bot has no manager role viewer; nothing to remove");
    expect(await roles()).toMatchObject({ managerAccounts: "", managerRoles: "" });

    const allEnvironments = await tessera(["accounts", "update", "edit-lead", "--remove-role", "developer@staging"]);
    expect(allEnvironments.code).toBe(2);
    expect(allEnvironments.stderr).toContain("bound in all environments");
    expect((await tessera(["accounts", "update", "edit-bot", "--role", "viewer", "--add-role", "verifier"])).code).toBe(2);

    // A stale etag is refused: the change is not applied over someone else's.
    const etag = (await roles()).etag!;
    await ok(["accounts", "update", "edit-bot", "--description", "changed"]);
    const stale = await tessera(["accounts", "update", "edit-bot", "--add-role", "viewer", "--etag", etag]);
    expect(stale.code).toBe(6);
    expect(stale.stderr).toContain("aborted");
  });

  it("shows --label as required in `tokens create --help`", async () => {
    const help = await ok(["tokens", "create", "--help"]);
    expect(help.stdout).toMatch(/--label <label>\s+what the token is for \(required\)/);
  });
});

describe("destructive commands", () => {
  it("refuse without a terminal unless --yes, and ask on one", async () => {
    await ok(["accounts", "create", "doomed-bot", "--role", "viewer"]);
    const token = await newToken("doomed-bot", "t");

    for (const args of [
      ["accounts", "delete", "doomed-bot"],
      ["accounts", "disable", "doomed-bot"],
      ["tokens", "revoke", token.id],
      ["tokens", "delete", token.id],
      ["tokens", "rotate", token.id, "--grace", "0"],
    ]) {
      const refused = await tessera(args);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr).toContain("without confirmation: pass --yes");
    }
    expect(fields((await ok(["accounts", "get", "doomed-bot"])).stdout)).toMatchObject({ status: "active", activeTokens: "1" });

    // On a terminal: "no" changes nothing, "yes" goes ahead.
    const declined = await tessera(["accounts", "disable", "doomed-bot"], { tty: 100, stdin: "n\n" });
    expect(declined.code).toBe(2);
    expect(declined.stderr).toMatch(/Disable service account doomed-bot \(sa_\w+\): its 1 active token\(s\) stop working at once\? \[y\/N\]/);
    expect(declined.stderr).toContain("cancelled");
    expect(fields((await ok(["accounts", "get", "doomed-bot"])).stdout).status).toBe("active");
    await ok(["accounts", "disable", "doomed-bot"], { tty: 100, stdin: "y\n" });
    expect(fields((await ok(["accounts", "get", "doomed-bot"])).stdout).status).toBe("disabled");
    await ok(["accounts", "enable", "doomed-bot"]);

    const revoke = await tessera(["tokens", "revoke", token.id], { tty: 100, stdin: "yes\n" });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stderr).toContain(`Revoke token ${token.id} ("t", …${token.secret.slice(-4)}) of doomed-bot: it stops working at once?`);
    await ok(["tokens", "delete", token.id, "--yes"]);
    const deleted = JSON.parse((await ok(["--json", "accounts", "delete", "doomed-bot", "-y"])).stdout);
    expect(deleted).toMatchObject({ deleted: expect.stringMatching(/^sa_/), revokedTokenCount: 0 });
  });

  it("rotate keeps the old token 24 hours by default; --grace 0 cuts it off when confirmed", async () => {
    await ok(["accounts", "create", "rotate-bot", "--role", "viewer"]);
    const first = await newToken("rotate-bot", "r");
    const before = Date.now();
    const rotated = await ok(["tokens", "rotate", first.id]);
    expect(rotated.stdout).toMatch(/^tsr_\w{49}\n$/);
    expect(rotated.stderr).toMatch(/the old token works until \d{4}-/);
    const old = JSON.parse((await ok(["--json", "tokens", "get", first.id])).stdout).token;
    const graceMs = Date.parse(old.expireTime) - before;
    expect(graceMs).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(graceMs).toBeLessThan(24 * 3600_000 + 60_000);
    expect((await tessera(["whoami"], { token: first.secret })).code).toBe(0);

    const second = rotated.stdout.trim();
    const secondId = JSON.parse((await ok(["--json", "tokens", "list", "--account", "rotate-bot", "--state", "active"])).stdout).tokens.find(
      (t: { rotatedFromTokenId?: string }) => t.rotatedFromTokenId === first.id,
    ).id;
    const cut = await ok(["tokens", "rotate", secondId, "--grace", "0", "--yes"]);
    expect(cut.stderr).toContain("the old token stopped working now");
    expect((await tessera(["whoami"], { token: second })).code).toBe(3);
  });
});

describe("validation", () => {
  it("names the flag for bad numbers, durations, files and URLs, and the URL when it cannot connect", async () => {
    const limit = await tessera(["audit", "--limit", "abc"]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--limit");
    expect((await tessera(["accounts", "list", "--page-size", "0"])).code).toBe(2);
    expect((await tessera(["tokens", "rotate", "tok_x", "--grace", "soon"])).stderr).toContain("--grace");

    const missing = await tessera(["--token-file", "/nonexistent/token", "whoami"], { token: null });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--token-file: cannot read "/nonexistent/token": no such file');
    const empty = join(mkdtempSync(join(tmpdir(), "tessera-cli-")), "empty");
    writeFileSync(empty, "\n");
    expect((await tessera(["--token-file", empty, "whoami"], { token: null })).stderr).toContain("is empty");

    const badUrl = await tessera(["whoami"], { env: { TESSERA_URL: "tessera.example.com" } });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("TESSERA_URL");
    const ftp = await tessera(["--url", "ftp://tessera.example.com", "whoami"]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain("--url");

    // https:// to the service's cleartext port: a TLS failure, told as such, not "internal".
    const https = h.url.replace("http://", "https://");
    const tls = await tessera(["whoami"], { env: { TESSERA_URL: https } });
    expect(tls.code).toBe(1);
    expect(tls.stderr).toContain(`cannot reach the identity service at ${https}`);
    expect(tls.stderr).toContain(`use ${h.url}`);
    expect(tls.stderr).not.toContain("internal");
    const refused = await tessera(["--url", "http://127.0.0.1:1", "--timeout", "3", "accounts", "list"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("unavailable: cannot reach the identity service at http://127.0.0.1:1");
  });
});

describe("exit codes", () => {
  it("maps already_exists and aborted to 6", async () => {
    await ok(["accounts", "create", "twice-bot"]);
    const again = await tessera(["accounts", "create", "twice-bot"]);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain("already_exists");
    // aborted (a stale etag): see "adds and removes role bindings and managers one by one".
  });

  it("maps resource_exhausted (throttled authentication) to 7", async () => {
    const throttled = await startHarness({ authFailureLimit: 2 });
    try {
      const codes: (number | null)[] = [];
      for (let i = 0; i < 4; i++) codes.push((await tessera(["--url", throttled.url, "whoami"], { token: "tsr_wrong" })).code);
      expect(codes[0]).toBe(3);
      expect(codes.at(-1)).toBe(7);
    } finally {
      await throttled.close();
    }
  });
});

describe("completion", () => {
  const script = async (shell: string) => (await ok(["completion", shell], { token: null })).stdout;

  it("prints a bash script generated from every command", async () => {
    const bash = await script("bash");
    expect(spawnSync("bash", ["-n"], { input: bash }).status).toBe(0);
    const complete = (line: string) => {
      const words = line.split(" ");
      const program = `${bash}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _tessera; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = spawnSync("bash", ["-c", program], { encoding: "utf8" });
      return result.stdout.trim().split("\n").filter(Boolean).sort();
    };
    expect(complete("tessera ")).toEqual(["accounts", "audit", "bootstrap", "completion", "environments", "help", "hygiene", "login", "org", "roles", "tokens", "trust-policies", "verify", "webhooks", "whoami"]);
    expect(complete("tessera accounts ")).toEqual(["create", "delete", "disable", "enable", "get", "help", "list", "update"]);
    expect(complete("tessera --json tokens rotate --")).toEqual(
      expect.arrayContaining(["--grace", "--ttl", "--account", "--label", "--yes", "--json", "--url", "--help"]),
    );
    expect(complete("tessera accounts update x --remove-m")).toEqual(["--remove-manager-account", "--remove-manager-role"]);
    expect(complete("tessera --protocol ")).toEqual(["connect", "grpc"]);
    expect(complete("tessera tokens list --state ")).toEqual(["active", "expired", "revoked"]);
    expect(complete("tessera --url http://x accounts list --status d")).toEqual(["disabled"]);
    expect(complete("tessera completion ")).toEqual(["bash", "fish", "zsh"]);
  });

  it.skipIf(spawnSync("zsh", ["--version"]).status !== 0)("prints a zsh script that completes", async () => {
    const zsh = await script("zsh");
    expect(spawnSync("zsh", ["-n"], { input: zsh }).status).toBe(0);
    // zsh's completion system stubbed: what _tessera offers, one candidate a line.
    const stubs = `compdef() {}; _describe() { print -rl -- "\${(@P)\${@[-1]}}"; }; compadd() { shift; print -rl -- "$@"; }; _files() { print FILES; }; _message() {}`;
    const complete = (...words: string[]) =>
      spawnSync("zsh", ["-c", `${stubs}\n${zsh}\nwords=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _tessera`], { encoding: "utf8" }).stdout;
    expect(complete("tessera", "tokens", "rotate", "--gr")).toContain("--grace:how long the old token keeps working");
    expect(complete("tessera", "accounts", "")).toContain("update:change an account");
    expect(complete("tessera", "--url", "http://x", "tokens", "list", "--state", "")).toBe("active\nexpired\nrevoked\n");
    expect(complete("tessera", "--token-file", "")).toBe("FILES\n");
  });

  it.skipIf(spawnSync("fish", ["--version"]).status !== 0)("prints a fish script that completes", async () => {
    const fish = await script("fish");
    const run = spawnSync("fish", ["-c", `${fish}\ncomplete -C'tessera tokens rotate --gr'; complete -C'tessera accounts l'`], { encoding: "utf8" });
    expect(run.stdout).toContain("--grace");
    expect(run.stdout).toContain("list");
  });

  it("refuses an unknown shell", async () => {
    expect((await tessera(["completion", "powershell"], { token: null })).code).toBe(2);
  });
});
