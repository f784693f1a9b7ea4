import { definePrompt } from "../prompt.ts";

export default definePrompt({
  name: "review-access",
  title: "Review service account access",
  description: "Runbook: find unused accounts, tokens without expiry and admin-scoped bots.",
  argsSchema: {},
  text: () => `Review machine access in Tessera and report findings as a table with a recommendation each:
1. list_service_accounts (page through all): accounts whose lastUsedTime is empty or older than
   90 days are candidates to disable.
2. list_service_accounts { role: "admin" }: every admin-scoped bot; suggest narrower roles
   (list_roles) or environment limits.
3. list_tokens { state: "active" } (page through all): tokens with no expireTime, tokens never used,
   and tokens without audiences; suggest rotate_token with a lifetime, or revoke_token.
4. list_audit_events { action: "auth.failed" }: repeated failures may mean a leaked or stale token.
Do not change anything without the user's confirmation.`,
});
