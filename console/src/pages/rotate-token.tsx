// Rotate: a new secret with the same settings; the old token keeps working for the grace period,
// so consumers can switch before it stops (the account page charts both tokens' use meanwhile).
import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import type { Token } from "../../../gen/tessera/identity/v1/token_pb.ts";
import { Dialog, FormFoot } from "../dialog.tsx";
import { hours } from "../format.ts";
import { TokenService } from "../methods.ts";
import { SecretOnce } from "./secret-once.tsx";

export function RotateToken({ token, onClose }: { token: Token; onClose(): void }) {
  const [graceHours, setGraceHours] = useState("24");
  const rotate = useMutation(TokenService.method.rotateToken);
  if (rotate.data) {
    return (
      <Dialog title="Token rotated" onClose={onClose}>
        <p>
          Deploy the new secret to the token's consumers, then watch the chart under the tokens: once the old token's use drops to
          zero, revoke it.
        </p>
        <SecretOnce secret={rotate.data.secret} onDone={onClose} />
      </Dialog>
    );
  }
  return (
    <Dialog title="Rotate token" onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => (e.preventDefault(), rotate.mutate({ id: token.id, gracePeriod: hours(Number(graceHours || 0)) }))}
      >
        <p>
          Issues a new secret for <strong>{token.label || token.hint}</strong> with the same settings.
        </p>
        <label>
          Grace period (hours)
          <input type="number" min={0} step="any" value={graceHours} onChange={(e) => setGraceHours(e.target.value)} aria-describedby="grace-help" />
        </label>
        <p id="grace-help" className="help">
          How long the old token keeps working; 0 stops it now.
        </p>
        <FormFoot error={rotate.error} submit="Rotate token" disabled={rotate.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
