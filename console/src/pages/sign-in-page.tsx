// Sign-in: the token is pasted once and sent once; the server answers with an HttpOnly session
// cookie bound to it. The field is cleared whatever the answer, and nothing keeps the token.
import { createClient } from "@connectrpc/connect";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorNote } from "../errors.tsx";
import { VerifyService } from "../methods.ts";
import { signedIn } from "../session.ts";
import { signInTransport } from "../transport.ts";

const verify = createClient(VerifyService, signInTransport);

export function SignInPage({ reason }: { reason: string }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await verify.whoAmI({}, { headers: { authorization: `Bearer ${token.trim()}` } });
      queryClient.clear();
      signedIn();
    } catch (failure) {
      setError(failure);
    } finally {
      setToken("");
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Tessera</h1>
      {reason ? <p role="status">{reason}</p> : null}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">Token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          Paste a Tessera token (for example the admin token in <code>.tessera/admin.token</code>). It is sent once; the
          console then acts with exactly this token's rights through a session cookie the page cannot read, and the
          session ends when the token is revoked or expires, after a period of inactivity, or when you sign out.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
