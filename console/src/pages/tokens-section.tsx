// An account's tokens: label, hint, expiry, last use, uses in the last 24 h, status, and the
// lifecycle actions (generate, rotate, revoke, restore, delete). A rotation shows both tokens'
// hourly use so the operator sees traffic move before revoking the old one.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import type { ServiceAccount } from "../../../gen/tessera/identity/v1/service_account_pb.ts";
import type { Token } from "../../../gen/tessera/identity/v1/token_pb.ts";
import { Dialog } from "../dialog.tsx";
import { ErrorNote } from "../errors.tsx";
import { when } from "../format.ts";
import { TokenService, TokenState } from "../methods.ts";
import { GenerateToken } from "./generate-token.tsx";
import { RevokeToken } from "./revoke-token.tsx";
import { RotateToken } from "./rotate-token.tsx";
import { UsageChart, usesToday } from "./usage-chart.tsx";

const stateText: Record<TokenState, string> = {
  [TokenState.UNSPECIFIED]: "Unknown",
  [TokenState.ACTIVE]: "Active",
  [TokenState.EXPIRED]: "Expired",
  [TokenState.REVOKED]: "Revoked",
};

type Action = { kind: "generate" } | { kind: "rotate" | "revoke" | "delete"; token: Token };

export function TokensSection({ account }: { account: ServiceAccount }) {
  const tokens = useQuery(TokenService.method.listTokens, { accountId: account.id, pageSize: 200 });
  const restore = useMutation(TokenService.method.restoreToken);
  const [action, setAction] = useState<Action>();
  const close = () => setAction(undefined);
  const list = tokens.data?.tokens ?? [];
  const byId = new Map(list.map((t) => [t.id, t]));
  const rotations = list.flatMap((old) => {
    const next = byId.get(old.rotatedToTokenId);
    return next ? [{ old, next }] : [];
  });
  return (
    <section aria-labelledby="tokens">
      <div className="section-head">
        <h2 id="tokens">Tokens</h2>
        <button type="button" className="primary" onClick={() => setAction({ kind: "generate" })}>
          Generate token
        </button>
      </div>
      <ErrorNote error={tokens.error ?? restore.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Tokens">
        <table>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Hint</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Uses (24 h)</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id}>
                <td>{t.label || "—"}</td>
                <td>
                  <code>…{t.hint}</code>
                </td>
                <td>{when(t.expireTime)}</td>
                <td>{when(t.lastUsedTime)}</td>
                <td>{usesToday(t)}</td>
                <td>
                  <span className={`status ${stateText[t.state].toLowerCase()}`}>{stateText[t.state]}</span>
                  {t.revokeReason ? <span className="help"> ({t.revokeReason})</span> : null}
                </td>
                <td className="row-actions">
                  {t.state === TokenState.ACTIVE ? (
                    <>
                      <button type="button" onClick={() => setAction({ kind: "rotate", token: t })} aria-label={`Rotate ${t.label || t.hint}`}>
                        Rotate
                      </button>
                      <button type="button" onClick={() => setAction({ kind: "revoke", token: t })} aria-label={`Revoke ${t.label || t.hint}`}>
                        Revoke
                      </button>
                    </>
                  ) : (
                    <>
                      {t.state === TokenState.REVOKED ? (
                        <button type="button" onClick={() => restore.mutate({ id: t.id })} aria-label={`Restore ${t.label || t.hint}`}>
                          Restore
                        </button>
                      ) : null}
                      <button type="button" className="danger" onClick={() => setAction({ kind: "delete", token: t })} aria-label={`Delete ${t.label || t.hint}`}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.length === 0 && tokens.data ? <p>No tokens yet.</p> : null}
      </div>
      {rotations.map(({ old, next }) => (
        <UsageChart key={old.id} old={old} next={next} />
      ))}
      {action?.kind === "generate" ? <GenerateToken accountId={account.id} onClose={close} /> : null}
      {action?.kind === "rotate" ? <RotateToken token={action.token} onClose={close} /> : null}
      {action?.kind === "revoke" ? <RevokeToken token={action.token} onClose={close} /> : null}
      {action?.kind === "delete" ? <DeleteToken token={action.token} onClose={close} /> : null}
    </section>
  );
}

function DeleteToken({ token, onClose }: { token: Token; onClose(): void }) {
  const remove = useMutation(TokenService.method.deleteToken, { onSuccess: onClose });
  return (
    <Dialog title="Delete token" onClose={onClose}>
      <p>
        Delete the token <strong>{token.label || token.hint}</strong> (…{token.hint}) for good? Only revoked or expired tokens can be
        deleted.
      </p>
      <ErrorNote error={remove.error} />
      <div className="actions">
        <button type="button" className="danger" onClick={() => remove.mutate({ id: token.id })}>
          Delete token
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
