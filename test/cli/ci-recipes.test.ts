// docs/ci.md works as written: its set-up commands, and the scripts of its GitHub Actions and GitLab
// CI jobs, run here as the CI systems run them (the YAML read from the document itself) against a
// real identity service. Only what the CI system provides is stood in for: `tessera` is the real
// binary (in the image it is on PATH), `docker run … tessera` runs it too, `gh` records the secret it
// is given, and a local HTTP server plays GitLab's variables API.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startHarness, type Harness } from "../support/harness.ts";
import { localIssuers, startIssuer, type LocalIssuer } from "../support/oidc-issuer.ts";
import { cli, cliPath, root, runProcess, type Result } from "./run.ts";

const doc = readFileSync(join(root, "docs/ci.md"), "utf8");
const blocks = [...doc.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const yamlBlocks = blocks.filter((b) => b.lang === "yaml").map((b) => parse(b.text));
const setUp = blocks.find((b) => b.lang === "sh")!.text;
const githubVerify = yamlBlocks.find((y) => y.jobs?.deploy)!.jobs.deploy;
const githubRotate = yamlBlocks.find((y) => y.jobs?.rotate)!.jobs.rotate;
const gitlab = yamlBlocks.find((y) => y["rotate-deploy-token"])!;
const keylessSetUp = blocks.filter((b) => b.lang === "sh")[1]!.text;
const githubKeyless = yamlBlocks.find((y) => y.jobs?.["deploy-keyless"])!.jobs["deploy-keyless"];
const gitlabKeyless = yamlBlocks.find((y) => y["deploy-keyless"])!["deploy-keyless"];
const kubernetesJob = yamlBlocks.find((y) => y.kind === "Job")!.spec.template.spec.containers[0];

let h: Harness;
let work: string;
let bin: string;
let gitlabApi: Server;
let gitlabUrl: string;
const gitlabPuts: { path: string; token: string; body: URLSearchParams }[] = [];
const secrets: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness({ env: localIssuers });
  work = mkdtempSync(join(tmpdir(), "tessera-ci-"));
  bin = join(work, "bin");
  mkdirSync(bin);
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  symlinkSync(process.execPath, join(bin, "node"));
  script("tessera", `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} "$@"`);
  // docker run --rm [-i] [-e NAME]… IMAGE tessera ARGS…: the environment passes through as it is.
  script(
    "docker",
    `[ "$1" = run ] || exit 99; shift
while [ $# -gt 0 ]; do case "$1" in --rm|-i) shift ;; -e) shift 2 ;; *) break ;; esac; done
[ "$2" = tessera ] || exit 98; shift 2
exec tessera "$@"`,
  );
  script("gh", `printf '%s\\n' "$*" >> "$GH_CALLS"; cat > "$GH_SECRET"`);
  gitlabApi = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += String(c)));
    req.on("end", () => {
      gitlabPuts.push({ path: `${req.method} ${req.url}`, token: String(req.headers["private-token"]), body: new URLSearchParams(body) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => gitlabApi.listen(0, "127.0.0.1", resolve));
  gitlabUrl = `http://127.0.0.1:${(gitlabApi.address() as { port: number }).port}/api/v4`;
});
afterAll(async () => {
  gitlabApi?.close();
  await issuer?.close();
  await h.close();
});

let issuer: LocalIssuer;

const tessera = cli(
  () => h.url,
  () => h.acme.token,
);

/** A CI job's environment: `${{ secrets.X }}` and `$X` resolved, TESSERA_URL pointing here. */
function jobEnv(...layers: (Record<string, string> | undefined)[]): Record<string, string> {
  const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, HOME: work };
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      env[name] = String(value)
        .replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (_, s: string) => secrets[s] ?? "")
        .replace(/^\$(\w+)$/, (_, v: string) => secrets[v] ?? env[v] ?? "");
    }
  }
  env.TESSERA_URL = h.url;
  return env;
}

const run = (shell: string[], script: string, env: Record<string, string>): Promise<Result> => runProcess(shell[0]!, [...shell.slice(1), script], env, "", work);
/** GitHub's default shells: bash on the runner, sh in a job container. */
const githubBash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"];
const containerSh = ["sh", "-e", "-c"];

async function verifies(secret: string): Promise<boolean> {
  const result = await tessera(["verify", "--permission", "deploy:write", "--environment", "production"], { stdin: secret });
  return result.code === 0;
}

describe("docs/ci.md", () => {
  it("sets up the pipelines' accounts with the commands it gives", async () => {
    const result = await run(["bash", "-e", "-c"], setUp, { PATH: `${bin}:${process.env.PATH}`, TESSERA_URL: h.url, TESSERA_TOKEN: h.acme.token });
    expect(result.code, result.stderr).toBe(0);
    secrets.DEPLOY_TOKEN = readFileSync(join(work, "deploy.token"), "utf8").trim();
    secrets.TESSERA_VERIFIER_TOKEN = readFileSync(join(work, "verifier.token"), "utf8").trim();
    secrets.TESSERA_ROTATOR_TOKEN = readFileSync(join(work, "rotator.token"), "utf8").trim();
    secrets.SECRETS_WRITER_TOKEN = "ghp_stand-in";
    expect(await verifies(secrets.DEPLOY_TOKEN)).toBe(true);
  });

  it("GitHub Actions: the verify step passes a good token and fails a bad one with its message", async () => {
    const [step] = githubVerify.steps;
    const good = await run(containerSh, step.run, jobEnv(githubVerify.env, step.env));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("deploy token ok");
    const bad = await run(containerSh, step.run, { ...jobEnv(githubVerify.env, step.env), DEPLOY_TOKEN: "tsr_0000000000000000000000000000000000000000000000000" });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("::error::DEPLOY_TOKEN is invalid");
  });

  it("GitHub Actions: the manager-only rotator rotates the deploy token into the secret, month after month", async () => {
    const [step] = githubRotate.steps;
    let previous = secrets.DEPLOY_TOKEN!;
    for (const month of [1, 2]) {
      const calls = join(work, `gh-calls-${month}`);
      const stored = join(work, `gh-secret-${month}`);
      const result = await run(githubBash, step.run, { ...jobEnv(githubRotate.env, step.env), GITHUB_REPOSITORY: "acme/app", GH_CALLS: calls, GH_SECRET: stored });
      expect(result.code, result.stderr).toBe(0);
      const secret = readFileSync(stored, "utf8");
      expect(secret).toMatch(/^tsr_\w{49}$/);
      expect(result.stdout).toContain(`::add-mask::${secret}`);
      expect(readFileSync(calls, "utf8")).toBe("secret set DEPLOY_TOKEN --repo acme/app\n");
      // The new token deploys; the old one keeps working for the grace period.
      expect(await verifies(secret)).toBe(true);
      expect(await verifies(previous)).toBe(true);
      previous = secret;
    }
    secrets.DEPLOY_TOKEN = previous;
    const rotations = JSON.parse((await tessera(["--json", "audit", "--actor", "token-rotator", "--action", "token.rotate"])).stdout).events;
    expect(rotations).toHaveLength(2);
    expect(rotations.every((e: { outcome: string }) => e.outcome === "ok")).toBe(true);
  });

  it("the rotator can do nothing more than that", async () => {
    const rotator = { token: secrets.TESSERA_ROTATOR_TOKEN! };
    const adminToken = JSON.parse((await tessera(["--json", "tokens", "list", "--account", "admin"])).stdout).tokens[0].id;
    const superior = await tessera(["tokens", "rotate", adminToken], rotator);
    expect(superior.code).toBe(4);
    expect(superior.stderr).toContain("superior");
    expect((await tessera(["accounts", "create", "rogue-bot"], rotator)).code).toBe(4);
    expect((await tessera(["accounts", "update", "deploy-bot", "--add-role", "admin"], rotator)).code).toBe(4);
    expect((await tessera(["accounts", "update", "token-rotator", "--add-manager-account", "token-rotator"], rotator)).code).toBe(4);
    const verifierToken = JSON.parse((await tessera(["--json", "tokens", "list", "--account", "deploy-verifier"])).stdout).tokens[0].id;
    expect((await tessera(["tokens", "rotate", verifierToken], rotator)).code).toBe(4);
  });

  it("GitLab CI: the verify job, and the rotation job storing the new secret through GitLab's API with the image's Node", async () => {
    const created = await tessera(["tokens", "create", "deploy-bot", "--label", "gitlab-deploy", "--ttl", "90d"]);
    expect(created.code, created.stderr).toBe(0);
    const first = created.stdout.trim();
    const ci = { CI_API_V4_URL: gitlabUrl, CI_PROJECT_ID: "42", GITLAB_API_TOKEN: "glpat-stand-in", CI_PIPELINE_SOURCE: "schedule" };

    const verifyJob = gitlab["verify-deploy-token"];
    const verified = await run(["bash", "-e", "-c"], verifyJob.script.join("\n"), jobEnv(gitlab.variables, verifyJob.variables, secrets));
    expect(verified.code, verified.stderr).toBe(0);

    const rotateJob = gitlab["rotate-deploy-token"];
    for (const month of [1, 2]) {
      const result = await run(["bash", "-e", "-c"], rotateJob.script.join("\n"), jobEnv(gitlab.variables, rotateJob.variables, ci));
      expect(result.code, result.stderr).toBe(0);
      expect(gitlabPuts).toHaveLength(month);
      const put = gitlabPuts.at(-1)!;
      expect(put).toMatchObject({ path: "PUT /api/v4/projects/42/variables/DEPLOY_TOKEN", token: "glpat-stand-in" });
      expect(put.body.get("masked")).toBe("true");
      expect(put.body.get("value")).toMatch(/^tsr_\w{49}$/);
      expect(await verifies(put.body.get("value")!)).toBe(true);
    }
    expect(await verifies(first)).toBe(true); // still within its grace period
  });

  it("keyless: GitHub Actions, GitLab CI and a Kubernetes Job log in with the platform's OIDC token, and only the trusted branch does", async () => {
    // The platforms' issuers are stood in for by a local one; the documented commands run as written.
    issuer = await startIssuer();
    const setUp = keylessSetUp
      .replaceAll("https://token.actions.githubusercontent.com", issuer.url)
      .replaceAll("https://gitlab.com", issuer.url)
      .replaceAll("https://kubernetes.default.svc.cluster.local", issuer.url);
    const created = await run(["bash", "-e", "-c"], setUp, { PATH: `${bin}:${process.env.PATH}`, TESSERA_URL: h.url, TESSERA_TOKEN: h.acme.token });
    expect(created.code, created.stderr).toBe(0);

    // GitHub's runner hands out tokens for the job's own claims, with the audience asked for.
    let ref = "refs/heads/main";
    const runner = createServer(async (req, res) => {
      const url = new URL(req.url!, "http://runner");
      if (req.headers.authorization !== "Bearer gh-request-token") return void res.writeHead(401).end();
      const claims = { repository: "acme/app", ref, sub: `repo:acme/app:ref:${ref}`, aud: url.searchParams.get("audience")! };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: await issuer.sign({ claims }) }));
    });
    await new Promise<void>((resolve) => runner.listen(0, "127.0.0.1", resolve));
    try {
      const [step] = githubKeyless.steps;
      const actions = {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(runner.address() as { port: number }).port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "gh-request-token",
      };
      const main = await run(containerSh, step.run, { ...jobEnv(githubKeyless.env), ...actions });
      expect(main.code, main.stderr).toBe(0);
      expect(main.stdout).toMatch(/::add-mask::tsr_\w{49}/);
      expect(main.stdout).toContain("deploy-bot");
      ref = "refs/heads/feature";
      const feature = await run(containerSh, step.run, { ...jobEnv(githubKeyless.env), ...actions });
      expect(feature.code).not.toBe(0);
      expect(feature.stderr).toContain("claims_mismatch");
    } finally {
      runner.close();
    }

    const oidc = await issuer.sign({ claims: { project_path: "acme/app", ref_protected: "true", sub: "project_path:acme/app:ref_type:branch:ref:main" } });
    const gitlabJob = await run(["bash", "-e", "-c"], gitlabKeyless.script.join("\n"), jobEnv(gitlabKeyless.variables, { TESSERA_OIDC_TOKEN: oidc }));
    expect(gitlabJob.code, gitlabJob.stderr).toBe(0);
    expect(gitlabJob.stdout).toContain("deploy-bot");
    // Kubernetes: the projected token file the kubelet writes, at the path the Job mounts it.
    const mounted = join(work, "projected-token");
    writeFileSync(mounted, await issuer.sign({ claims: { sub: "system:serviceaccount:ci:deployer" } }));
    const script = kubernetesJob.args[0].replaceAll("/var/run/secrets/tessera/token", mounted);
    const pod = await run(["sh", "-e", "-c"], script, jobEnv(Object.fromEntries(kubernetesJob.env.map((e: { name: string; value: string }) => [e.name, e.value]))));
    expect(pod.code, pod.stderr).toBe(0);
    expect(pod.stdout).toContain("deploy-bot");
    const exchanges = JSON.parse((await tessera(["--json", "audit", "--action", "token.exchange"])).stdout).events;
    expect(exchanges).toHaveLength(3);
  });
});
