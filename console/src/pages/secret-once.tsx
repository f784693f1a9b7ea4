// A new token's secret, shown this once: a copy button and a warning. Closing forgets it.
import { useState } from "react";

export function SecretOnce({ secret, onDone }: { secret: string; onDone(): void }) {
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copying was refused by the browser: select the secret and copy it.");
    }
  };
  return (
    <div className="stack">
      <p role="alert" className="warning">
        Copy this secret now and store it somewhere safe (a secret manager or an environment variable). It is shown only this once:
        Tessera keeps only its hash and cannot show it again.
      </p>
      <label>
        Token secret
        <input readOnly value={secret} className="secret" onFocus={(e) => e.target.select()} />
      </label>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p role="status">{copied}</p>
    </div>
  );
}
