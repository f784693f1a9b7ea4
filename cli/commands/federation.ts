// Keyless CI: trust policies (which external OIDC tokens the organisation accepts) and
// `tessera login --oidc`, which exchanges the token a CI platform gives a job for a short-lived
// Tessera token, so that no long-lived secret is stored in the pipeline.
import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { claimConditionMessage } from "../../client/claim-conditions.ts";
import {
  ExchangeTokenResponseSchema,
  ListTrustPoliciesResponseSchema,
  TrustPolicySchema,
  type ClaimCondition,
  type TrustPolicy,
} from "../../gen/tessera/identity/v1/federation_pb.ts";
import { contextOf, type CommandContext } from "../context.ts";
import { UsageError } from "../output.ts";
import { collect, durationOption, parseDuration, readFileFlag } from "../parse.ts";
import type { Column } from "../terminal.ts";

const columns: Column[] = [{ key: "name", keep: true }, { key: "issuer" }, { key: "conditions" }, { key: "serviceAccountId" }, { key: "maxTtl" }];
const condition = (c: ClaimCondition) => (c.match.case === "pattern" ? `${c.claim}~${c.match.value}` : `${c.claim}=${c.match.value ?? ""}`);
const row = (p: TrustPolicy) => ({
  name: p.name,
  issuer: p.issuer,
  conditions: p.conditions.map(condition),
  serviceAccountId: p.serviceAccountId,
  maxTtl: `${Number(p.maxTtl?.seconds ?? 0n) / 60}m`,
});
const printPolicy = ({ out }: CommandContext, policy: TrustPolicy | undefined) => out.print(toJson(TrustPolicySchema, policy!), [row(policy!)], columns);

/** "repository=acme/api" (equals) or, with `pattern`, "sub=repo:acme/*". */
function parseCondition(flag: string, value: string, pattern: boolean) {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) throw new UsageError(`${flag}: expected claim=value, got "${value}"`);
  const claim = value.slice(0, at);
  const match = value.slice(at + 1);
  return claimConditionMessage(pattern ? { claim, pattern: match } : { claim, equals: match });
}

export function federationCommands(program: Command): void {
  const policies = program.command("trust-policies").description("keyless CI: which external OIDC tokens your organisation accepts");

  policies
    .command("list")
    .description("list trust policies")
    .action(async (_options, command: Command) => {
      const ctx = contextOf(command);
      const response = await ctx.client().federation.listTrustPolicies({ pageSize: 1000 });
      ctx.out.print(toJson(ListTrustPoliciesResponseSchema, response), response.policies.map(row), columns);
    });

  policies
    .command("get <name>")
    .description("show a trust policy")
    .action(async (name: string, _options, command: Command) => {
      const ctx = contextOf(command);
      printPolicy(ctx, (await ctx.client().federation.getTrustPolicy({ name })).policy);
    });

  policies
    .command("create <name>")
    .description("trust an OIDC issuer's tokens that meet conditions, as a service account")
    .requiredOption("--issuer <url>", "e.g. https://token.actions.githubusercontent.com")
    .requiredOption("--account <account>", "the service account (name or id) the exchanged tokens act as")
    .requiredOption("--audience <aud>", "an audience the external token must carry (repeatable)", collect)
    .option("--claim <claim=value>", "a claim that must equal a value, e.g. repository=acme/api (repeatable)", collect, [])
    .option("--claim-pattern <claim=pattern>", 'a claim that must match, "*" for any run of characters (repeatable)', collect, [])
    .option("--permission <permission>", "narrow the exchanged tokens to these permissions (repeatable)", collect, [])
    .option("--environment <name>", "narrow them to these environments (repeatable)", collect, [])
    .option("--token-audience <service>", "services they may be presented to (repeatable)", collect, [])
    .option("--max-ttl <duration>", "their lifetime, e.g. 15m (default) or 1h", durationOption("--max-ttl"))
    .option("--description <text>")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      const conditions = [
        ...options.claim.map((v: string) => parseCondition("--claim", v, false)),
        ...options.claimPattern.map((v: string) => parseCondition("--claim-pattern", v, true)),
      ];
      const { policy } = await ctx.client().federation.createTrustPolicy({
        policy: {
          name,
          description: options.description,
          issuer: options.issuer,
          audiences: options.audience,
          conditions,
          serviceAccountId: await ctx.resolve.accountId(options.account, "--account"),
          permissions: options.permission,
          environments: options.environment,
          tokenAudiences: options.tokenAudience,
          maxTtl: options.maxTtl && { seconds: parseDuration("--max-ttl", options.maxTtl) },
        },
      });
      printPolicy(ctx, policy);
    });

  policies
    .command("delete <name>")
    .description("stop trusting the tokens a policy accepts (asks first; --yes for scripts)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (name: string, options, command: Command) => {
      const ctx = contextOf(command);
      await ctx.out.confirm(`delete trust policy ${name}`, options.yes);
      await ctx.client().federation.deleteTrustPolicy({ name });
      ctx.out.print({ deleted: name }, [{ deleted: name }], ["deleted"]);
    });

  program
    .command("login")
    .description("exchange your CI platform's OIDC token for a short-lived Tessera token (keyless CI)")
    .option("--oidc", "use the OIDC token of GitHub Actions, --oidc-token-file or TESSERA_OIDC_TOKEN")
    .requiredOption("--org <name>", "your organisation")
    .requiredOption("--policy <name>", "the trust policy to exchange under")
    .option("--audience <aud>", "the audience to request from GitHub Actions", "tessera")
    .option("--oidc-token-file <path>", "read the OIDC token from a file, e.g. a Kubernetes projected token")
    .option("--ttl <duration>", "a shorter lifetime than the policy's", durationOption("--ttl"))
    .option("--export", "print TESSERA_TOKEN=<token>, e.g. to append to $GITHUB_ENV")
    .addHelpText(
      "after",
      `
The OIDC token comes from --oidc-token-file, else TESSERA_OIDC_TOKEN (GitLab CI id_tokens), else
GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL; the job needs "permissions: id-token: write").
The Tessera token is printed alone on stdout. See docs/ci.md.`,
    )
    .action(async (options, command: Command) => {
      if (!options.oidc) throw new UsageError("tessera login exchanges a CI platform's OIDC token: pass --oidc (static tokens come from TESSERA_TOKEN)");
      const ctx = contextOf(command);
      const response = await ctx.anonymousClient().federation.exchangeToken({
        organization: options.org,
        policy: options.policy,
        token: await oidcToken(options),
        ttl: options.ttl && { seconds: parseDuration("--ttl", options.ttl) },
      });
      if (ctx.out.json) ctx.out.print(toJson(ExchangeTokenResponseSchema, response), [], []);
      else ctx.out.secret(options.export ? `TESSERA_TOKEN=${response.secret}` : response.secret);
    });
}

/** The job's OIDC token: from a file, from TESSERA_OIDC_TOKEN, or requested from GitHub Actions. */
async function oidcToken(options: { oidcTokenFile?: string; audience: string }): Promise<string> {
  if (options.oidcTokenFile) return readFileFlag("--oidc-token-file", options.oidcTokenFile);
  const fromEnv = process.env.TESSERA_OIDC_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new UsageError(
      'no OIDC token: pass --oidc-token-file, set TESSERA_OIDC_TOKEN, or run in GitHub Actions with "permissions: id-token: write"',
    );
  }
  const url = new URL(requestUrl);
  url.searchParams.set("audience", options.audience);
  const response = await fetch(url, { headers: { authorization: `Bearer ${requestToken}` }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (!response.ok || typeof body.value !== "string") {
    throw new Error(`GitHub Actions did not give an OIDC token (HTTP ${response.status}); does the job have "permissions: id-token: write"?`);
  }
  return body.value;
}
