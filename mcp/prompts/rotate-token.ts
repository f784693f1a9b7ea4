import { z } from "zod";
import { definePrompt } from "../prompt.ts";

export default definePrompt({
  name: "rotate-token-without-downtime",
  title: "Rotate a token without downtime",
  description: "Runbook: issue a new token, deploy it, watch the old one go quiet, then revoke it.",
  argsSchema: { tokenId: z.string().describe('the token to rotate, "tok_…"') },
  text: ({ tokenId }) => `Rotate the Tessera token ${tokenId} without downtime. Steps:
1. get_token { id: "${tokenId}" }: note its account, label, restrictions and lastUsedTime.
2. rotate_token { id: "${tokenId}", gracePeriodSeconds: 86400 } (or a grace period long enough to
   redeploy every consumer). Give the new secret to the user once and tell them to store it in
   their secret manager; never repeat it later.
3. Ask the user to deploy the new secret to every consumer.
4. Watch the old token: get_token on it until its lastUsedTime stops moving while the new token's
   lastUsedTime advances (traffic has moved).
5. revoke_token { id: "${tokenId}", reason: "rotated" } to end the grace period early: it answers with
   a confirmation code first; show it to the user and call again with confirmation once they agree.
   Then check list_audit_events { target: "${tokenId}" }.`,
});
