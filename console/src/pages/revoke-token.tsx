// Revoke with a reason (kept in the audit trail and on the token).
import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import type { Token } from "../../../gen/tessera/identity/v1/token_pb.ts";
import { Dialog, FormFoot } from "../dialog.tsx";
import { TokenService } from "../methods.ts";

export function RevokeToken({ token, onClose }: { token: Token; onClose(): void }) {
  const [reason, setReason] = useState("");
  const revoke = useMutation(TokenService.method.revokeToken, { onSuccess: onClose });
  return (
    <Dialog title="Revoke token" onClose={onClose}>
      <form className="stack" onSubmit={(e) => (e.preventDefault(), revoke.mutate({ id: token.id, reason }))}>
        <p>
          The token <strong>{token.label || token.hint}</strong> (…{token.hint}) stops working at once. A revoked token can be restored
          until it expires.
        </p>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <FormFoot error={revoke.error} submit="Revoke token" kind="danger" disabled={revoke.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
