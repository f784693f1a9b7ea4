import { z } from "zod";
import { definePrompt } from "../prompt.ts";

export default definePrompt({
  name: "offboard-service-account",
  title: "Offboard a service account",
  description: "Runbook: contain, confirm nothing still uses it, then delete a service account.",
  argsSchema: { accountId: z.string().describe('the account to offboard, "sa_…"') },
  text: ({ accountId }) => `Offboard the Tessera service account ${accountId}. Steps:
1. get_service_account { id: "${accountId}" } and list_tokens { accountId: "${accountId}" }: show
   the user its owner, roles, active tokens and when each was last used.
2. disable_service_account { id: "${accountId}" }: every token stops at once, reversibly. It first
   answers with a confirmation code: show the user what it will do and the code, and call it again
   with confirmation only once they agree.
3. Wait for the user to confirm nothing broke (or re-enable with enable_service_account).
4. delete_service_account { id: "${accountId}" } once the user confirms, the same way (code, then the
   user's go-ahead); this revokes all tokens and cannot be undone. Report the revoked token count.
5. list_audit_events { target: "${accountId}" } to show the trail.`,
});
