// Fills a benchmark database: an organisation, a verifier (the caller), one bot account, and
// `tokens` tokens of that bot, inserted in bulk; returns secrets to present.
import { ObjectId, type Db } from "mongodb";
import { bootstrapOrganization, issueCredential } from "../services/identity/use-cases/bootstrap.ts";
import type { TokenDoc } from "../services/identity/store/documents.ts";
import { issue } from "../services/identity/use-cases/issue-token.ts";
import { openStore } from "../services/identity/store/store.ts";

export interface Seeded {
  admin: string;
  verifier: string;
  botAccountId: string;
  /** Secrets of some of the seeded tokens, to present. */
  presented: string[];
  mcpCredential: string;
}

export async function seed(db: Db, tokens: number, presentedCount = 2000): Promise<Seeded> {
  const store = await openStore(db);
  const policy = { maxTtlMs: null, defaultTtlMs: null };
  const admin = await bootstrapOrganization(store, { org: "bench", adminName: "admin", tokenPrefix: "tsr", tokenPolicy: policy, channel: "cli" });
  const spec = { org: "bench", tokenPrefix: "tsr", channel: "cli" };
  const verifier = await issueCredential(store, { ...spec, name: "gateway", description: "bench caller", role: "verifier" });
  const mcp = await issueCredential(store, { ...spec, name: "mcp-server", description: "bench MCP", role: "mcp-delegate" });
  const bot = await issueCredential(store, { ...spec, name: "bench-bot", description: "bench tokens", role: "developer" });
  const accountId = new ObjectId(bot.accountId.slice(3));
  const presented: string[] = [];
  const batch = 10_000;
  const now = new Date();
  for (let done = 1; done < tokens; done += batch) {
    const docs: TokenDoc[] = [];
    for (let i = done; i < Math.min(tokens, done + batch); i++) {
      const { doc, secret } = issue({
        org: "bench",
        accountId,
        label: `seed-${i}`,
        createdBy: { accountId: accountId.toHexString(), accountName: "bench-bot" },
        policy,
        ttlMs: undefined,
        now,
        tokenPrefix: "tsr",
      });
      if (presented.length < presentedCount) presented.push(secret);
      docs.push(doc);
    }
    await db.collection<TokenDoc>("tokens").insertMany(docs, { ordered: false });
  }
  return { admin: admin.token, verifier: verifier.token, botAccountId: bot.accountId, presented: [bot.token, ...presented], mcpCredential: mcp.token };
}
