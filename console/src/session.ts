// Whether the console is signed in, as the last answer said: any call answered UNAUTHENTICATED
// (session ended, token revoked or expired) sends the user back to sign-in with the reason.
import { useSyncExternalStore } from "react";

export interface SessionState {
  signedIn: boolean;
  /** Why the user was sent to sign-in ("" at first). */
  reason: string;
}

let state: SessionState = { signedIn: true, reason: "" };
const listeners = new Set<() => void>();

function set(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

/** The first reason stands: calls that fail after it only repeat that the session is gone. */
export const sessionEnded = (reason: string) => {
  if (state.signedIn) set({ signedIn: false, reason });
};
export const signedIn = () => set({ signedIn: true, reason: "" });

export function useSession(): SessionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}
