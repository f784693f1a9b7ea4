// The console in a real browser (Debian's chromium through playwright-core) against the real
// service and database: every flow of the product pages, axe-core on every page (no serious or
// critical violation), and a screenshot of every page in test/browser/screenshots/ (git-ignored).
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentService } from "../../gen/tessera/identity/v1/environment_pb.ts";
import { ServiceAccountService } from "../../gen/tessera/identity/v1/service_account_pb.ts";
import { TokenService } from "../../gen/tessera/identity/v1/token_pb.ts";
import { VerifyService } from "../../gen/tessera/identity/v1/verify_pb.ts";
import { cli } from "../cli/run.ts";
import { chromiumPath, startConsoleService, type ConsoleService } from "./support.ts";

const screenshots = join(import.meta.dirname, "screenshots");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const ci = process.env.CI === "true";

if (!chromiumPath && !ci) {
  console.warn("console browser tests skipped: chromium is not installed (apt-get install chromium); under CI=true they fail instead");
}

describe.skipIf(!chromiumPath && !ci)("the web console in Chromium", () => {
  let service: ConsoleService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!chromiumPath) throw new Error("chromium is not installed (apt-get install chromium); .ci/run installs it");
    mkdirSync(screenshots, { recursive: true });
    service = await startConsoleService();
    for (const name of ["staging", "fintech"]) await service.client(EnvironmentService).createEnvironment({ name });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
    context = await browser.newContext({ baseURL: service.url, viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: service.url });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  /** axe-core on the page as it is now, then a screenshot named `name`. */
  async function check(name: string, target: Page = page): Promise<void> {
    await target.evaluate(axeSource);
    // Evaluated in the page (a string: this file is typed for Node, not the DOM).
    const violations = await target.evaluate<string[]>(`axe.run().then((results) => results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`);
    expect(violations, name).toEqual([]);
    await target.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  /** The account page's section under the heading `name`. */
  const section = (name: string) => page.getByRole("region", { name });

  const signInAs = async (target: Page, token: string) => {
    await target.goto("/console/");
    await target.getByLabel("Token").fill(token);
    await target.getByRole("button", { name: "Sign in" }).click();
  };

  it("signs in with a token the page can no longer read", async () => {
    await page.goto("/console/");
    await expect.poll(() => page.getByRole("heading", { name: "Sign in to Tessera" }).isVisible()).toBe(true);
    await check("sign-in");
    await signInAs(page, service.admin.token);
    await page.getByText("Signed in as").waitFor();
    expect(await page.getByText("Signed in as").textContent()).toContain("admin (acme)");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "tessera_console", httpOnly: true, sameSite: "Strict", path: "/console/" });
    const stored = await page.evaluate<string>(`[document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join("|")`);
    expect(stored).not.toContain(service.admin.token);
    expect(await page.content()).not.toContain(service.admin.token);
    await page.getByRole("heading", { name: "Service accounts" }).waitFor();
    await check("accounts");
  });

  let secret = "";

  it("creates an account with two scoped roles, and shows the server's message and field on bad input", async () => {
    await page.getByRole("button", { name: "Create service account" }).click();
    const dialog = page.getByRole("dialog", { name: "Create service account" });
    await dialog.getByLabel("Name", { exact: true }).fill("Bad Name!");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await dialog.getByRole("alert").waitFor();
    expect(await dialog.getByRole("alert").textContent()).toMatch(/invalid_argument.*Field at fault: name/);

    await dialog.getByLabel("Name", { exact: true }).fill("ci-deployer");
    await dialog.getByLabel("Display name").fill("CI Deployer");
    await dialog.getByLabel("Description").fill("Deploys from GitHub Actions");
    await dialog.getByLabel("Owner").fill("platform");
    const first = dialog.getByRole("group", { name: "Role 1", exact: true });
    await first.getByLabel("Role", { exact: true }).selectOption("developer");
    await first.getByLabel("Chosen environments").check();
    await first.getByLabel("staging").check();
    await dialog.getByRole("button", { name: "Add role" }).click();
    const second = dialog.getByRole("group", { name: "Role 2", exact: true });
    await second.getByLabel("Role", { exact: true }).selectOption("viewer");
    await second.getByLabel("Chosen environments").check();
    await second.getByLabel("fintech").check();
    await dialog.getByRole("group", { name: "Manager roles" }).getByLabel("security-analyst").check();
    await check("create-account");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "CI Deployer" }).waitFor();
    await expect.poll(() => section("Role bindings").textContent()).toContain("developer (staging)");
    expect(await section("Role bindings").textContent()).toContain("viewer (fintech)");
    expect(await section("Managers").textContent()).toContain("role security-analyst");
    await check("account");
  });

  it("edits role bindings in place", async () => {
    await page.getByRole("button", { name: "Edit roles" }).click();
    const second = page.getByRole("group", { name: "Role 2", exact: true });
    await second.getByLabel("staging").check();
    await page.getByRole("button", { name: "Save roles" }).click();
    await expect.poll(() => section("Role bindings").textContent()).toContain("viewer (fintech, staging)");
  });

  it("generates a token and shows its secret once, which the CLI then verifies", async () => {
    await page.getByRole("button", { name: "Generate token" }).click();
    const dialog = page.getByRole("dialog", { name: "Generate token" });
    await dialog.getByLabel("Token label").fill("github-actions");
    await dialog.getByLabel("Audiences").fill("tessera");
    await check("generate-token");
    await dialog.getByRole("button", { name: "Generate token" }).click();
    const shown = page.getByRole("dialog", { name: "Token generated" });
    secret = await shown.getByLabel("Token secret").inputValue();
    expect(secret).toMatch(/^tsr_/);
    expect(await shown.textContent()).toContain("shown only this once");
    await shown.getByRole("button", { name: "Copy" }).click();
    await shown.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(secret);
    await check("token-secret");
    await shown.getByRole("button", { name: "I have stored it" }).click();
    await page.getByRole("cell", { name: "github-actions", exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole("cell", { name: "github-actions", exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);

    const tessera = cli(() => service.url, () => service.admin.token);
    const verified = await tessera(["verify", "--audience", "tessera"], { stdin: secret });
    expect(verified.stderr).toBe("");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain("ci-deployer");
  });

  it("rotates with a grace period and charts the hourly use of the old and the new token", async () => {
    const use = async (token: string, times: number) => {
      for (let i = 0; i < times; i++) await service.client(VerifyService, token).whoAmI({});
    };
    await use(secret, 3); // and once by the CLI's verify above
    await page.getByRole("button", { name: "Rotate github-actions" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate token" });
    await dialog.getByLabel("Grace period (hours)").fill("2");
    await check("rotate-token");
    await dialog.getByRole("button", { name: "Rotate token" }).click();
    const shown = page.getByRole("dialog", { name: "Token rotated" });
    const next = await shown.getByLabel("Token secret").inputValue();
    expect(next).not.toBe(secret);
    await shown.getByRole("button", { name: "I have stored it" }).click();
    await use(next, 2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the usage flush (100 ms here)
    await page.reload();
    const chart = page.getByRole("figure");
    await expect.poll(async () => (await chart.textContent()) ?? "", { timeout: 10_000 }).toMatch(/old token .*\b4 uses, new token .*\b2 uses/);
    await check("rotation-chart");
  });

  it("revokes with a reason, restores, and deletes only a revoked token", async () => {
    const oldRow = page.getByRole("row").filter({ hasText: "github-actions" }).first();
    // The old token is the first row (the list is oldest first); both are active during the grace period.
    await oldRow.getByRole("button", { name: "Revoke github-actions" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke token" });
    await dialog.getByLabel("Reason").fill("rotated to the new key");
    await check("revoke-token");
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect.poll(() => oldRow.textContent()).toContain("Revoked");
    expect(await oldRow.textContent()).toContain("rotated to the new key");
    await oldRow.getByRole("button", { name: "Restore github-actions" }).click();
    await expect.poll(() => oldRow.textContent()).toContain("Active");
    await oldRow.getByRole("button", { name: "Revoke github-actions" }).click();
    await page.getByRole("dialog", { name: "Revoke token" }).getByRole("button", { name: "Revoke token" }).click();
    await expect.poll(() => oldRow.textContent()).toContain("Revoked");
    await oldRow.getByRole("button", { name: "Delete github-actions" }).click();
    await page.getByRole("dialog", { name: "Delete token" }).getByRole("button", { name: "Delete token" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "github-actions" }).count()).toBe(1);
  });

  it("disables and enables the account, and deletes it after its name is typed", async () => {
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("button", { name: "Enable" }).waitFor();
    expect(await page.locator(".details").textContent()).toContain("Disabled");
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByRole("button", { name: "Disable" }).waitFor();

    const { serviceAccount } = await service.client(ServiceAccountService).createServiceAccount({ name: "old-bot", roleBindings: [{ role: "viewer", allEnvironments: true }] });
    await page.goto(`/console/#/accounts/${serviceAccount!.id}`);
    await page.getByRole("button", { name: "Delete account" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete service account" });
    const confirm = dialog.getByRole("button", { name: "Delete old-bot" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Type the account's name to confirm").fill("old-bot");
    await check("delete-account");
    await confirm.click();
    await page.getByRole("heading", { name: "Service accounts" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: "old-bot" }).count()).toBe(0);
  });

  it("searches and filters the list", async () => {
    await page.getByLabel("Search by name").fill("ci-");
    await expect.poll(() => page.getByRole("region", { name: "Service accounts" }).getByRole("row").count()).toBe(2);
    await page.getByLabel("Search by name").fill("");
    await page.getByLabel("Role", { exact: true }).selectOption("developer");
    await expect.poll(() => page.getByRole("region", { name: "Service accounts" }).getByRole("link").allTextContents()).toEqual(["ci-deployer"]);
  });

  it("shows roles, environments, the token policy, the audit log and the assistant configuration", async () => {
    const nav = page.getByRole("navigation", { name: "Sections" });
    await nav.getByRole("link", { name: "Roles" }).click();
    await page.getByRole("cell", { name: "Built-in (read-only)" }).first().waitFor();
    await page.getByLabel("Role name").fill("deployer");
    await page.getByLabel("Role permissions").fill("deploy:write");
    await page.getByRole("button", { name: "Create role" }).click();
    await page.getByRole("cell", { name: "deploy:write" }).waitFor();
    await check("roles");

    await nav.getByRole("link", { name: "Environments" }).click();
    await page.getByLabel("Environment name").fill("production");
    await page.getByRole("button", { name: "Add environment" }).click();
    await page.getByRole("cell", { name: "production", exact: true }).waitFor();
    await check("environments");

    await nav.getByRole("link", { name: "Organisation" }).click();
    await page.getByLabel("Maximum token lifetime (days)").fill("90");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText("Token policy saved.").waitFor();
    await check("organization");

    await nav.getByRole("link", { name: "Audit log" }).click();
    await page.getByText("organization.update").first().waitFor();
    expect(await page.getByRole("list", { name: "Audit events, newest first" }).textContent()).toContain("on console");
    await page.getByLabel("Action").fill("token.rotate");
    await expect.poll(() => page.getByRole("list", { name: "Audit events, newest first" }).getByRole("listitem").count()).toBe(1);
    await check("audit-log");

    await nav.getByRole("link", { name: "Connect an assistant" }).click();
    await page.getByLabel("Service account").selectOption({ label: "ci-deployer" });
    await page.getByLabel("Token", { exact: true }).selectOption({ index: 1 });
    const claude = await page.getByLabel("Claude Code configuration").textContent();
    expect(claude).toContain("Bearer ${TESSERA_TOKEN_CI_DEPLOYER}");
    expect(await page.content()).not.toMatch(/tsr_[A-Za-z0-9]{20,}/);
    expect(await page.getByLabel("VS Code configuration").textContent()).toContain("${env:TESSERA_TOKEN_CI_DEPLOYER}");
    await check("assistant");
  });

  it("works on a narrow window", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Service accounts" }).click();
    await page.getByRole("link", { name: "ci-deployer" }).click();
    await page.getByRole("heading", { name: "Tokens" }).waitFor();
    await check("account-narrow");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("says which permission is missing, and throws a revoked token's session out on the next click", async () => {
    const { serviceAccount } = await service.client(ServiceAccountService).createServiceAccount({ name: "auditor", roleBindings: [{ role: "viewer", allEnvironments: true }] });
    const { secret: viewer, token } = await service.client(TokenService).createToken({ accountId: serviceAccount!.id, label: "console" });
    const other = await browser.newContext({ baseURL: service.url });
    const tab = await other.newPage();
    await signInAs(tab, viewer);
    await tab.getByRole("heading", { name: "Service accounts" }).waitFor();
    await tab.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Environments" }).click();
    await tab.getByLabel("Environment name").fill("sneaky");
    await tab.getByRole("button", { name: "Add environment" }).click();
    await tab.getByText("Missing permission").waitFor();
    expect(await tab.getByRole("alert").textContent()).toContain('"environments.write"');
    await check("missing-permission", tab);

    await service.client(TokenService).revokeToken({ id: token!.id, reason: "left the team" });
    await tab.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Roles" }).click();
    await tab.getByRole("heading", { name: "Sign in to Tessera" }).waitFor();
    expect(await tab.getByRole("status").textContent()).toContain("revoked");
    await other.close();
  });

  it("signs out, after which the cookie opens nothing", async () => {
    const [cookie] = await context.cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Tessera" }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.addCookies([cookie!]);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Tessera" }).waitFor();
  });
});
