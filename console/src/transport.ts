// Two transports, both same-origin Connect JSON over fetch: sign-in presents the pasted token once
// (the answer sets the HttpOnly session cookie), every other call rides on that cookie. Neither
// keeps the token: after sign-in the page cannot read it, and nothing stores it.
import { createConnectTransport } from "@connectrpc/connect-web";

export const apiTransport = createConnectTransport({ baseUrl: "/console/api" });

export const signInTransport = createConnectTransport({ baseUrl: "/console/sign-in" });

/** Ends the session on the server (the cookie is HttpOnly: only the server can clear it). */
export async function signOut(): Promise<void> {
  await fetch("/console/sign-out", {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body: "{}",
  });
}
