// The console's entry: TanStack Query over the cookie-authenticated Connect transport. Any call
// answered UNAUTHENTICATED ends the session on the page; every change refetches what is shown.
import { Code, ConnectError } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { sessionEnded } from "./session.ts";
import { apiTransport } from "./transport.ts";

function onError(error: unknown): void {
  if (error instanceof ConnectError && error.code === Code.Unauthenticated) sessionEnded(error.rawMessage);
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError, onSuccess: () => queryClient.invalidateQueries() }),
  defaultOptions: {
    queries: { retry: (count, error) => error instanceof ConnectError && error.code === Code.Unavailable && count < 2 },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <TransportProvider transport={apiTransport}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </TransportProvider>
  </StrictMode>,
);
