// Hash routes (#/accounts/sa_…): the server serves one page, and a reload keeps the view.
import { useSyncExternalStore, type ReactNode } from "react";

function subscribe(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

/** The route's segments, e.g. ["accounts", "sa_…"]; ["accounts"] when none is given. */
export function useRoute(): string[] {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  const segments = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return segments.length > 0 ? segments : ["accounts"];
}

export const href = (...segments: string[]) => `#/${segments.map(encodeURIComponent).join("/")}`;

export function navigate(...segments: string[]): void {
  window.location.hash = href(...segments);
}

export function Link({ to, children, current }: { to: string[]; children: ReactNode; current?: boolean }) {
  return (
    <a href={href(...to)} aria-current={current ? "page" : undefined}>
      {children}
    </a>
  );
}
