// The frame: who is signed in, the navigation, and the page the route names.
import { useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ErrorNote } from "./errors.tsx";
import { VerifyService } from "./methods.ts";
import { AccountPage } from "./pages/account-page.tsx";
import { AccountsPage } from "./pages/accounts-page.tsx";
import { AssistantPage } from "./pages/assistant-page.tsx";
import { AuditPage } from "./pages/audit-page.tsx";
import { EnvironmentsPage } from "./pages/environments-page.tsx";
import { OrganizationPage } from "./pages/organization-page.tsx";
import { RolesPage } from "./pages/roles-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { Link, useRoute } from "./router.tsx";
import { sessionEnded, useSession } from "./session.ts";
import { signOut } from "./transport.ts";

const sections = [
  ["accounts", "Service accounts"],
  ["roles", "Roles"],
  ["environments", "Environments"],
  ["organization", "Organisation"],
  ["audit", "Audit log"],
  ["assistant", "Connect an assistant"],
] as const;

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const route = useRoute();
  const whoAmI = useQuery(VerifyService.method.whoAmI, {}, { enabled: session.signedIn });
  if (!session.signedIn) return <SignInPage reason={session.reason} />;
  if (whoAmI.isPending) return <p className="loading">Loading…</p>;
  if (whoAmI.error) return <ErrorNote error={whoAmI.error} />;
  const principal = whoAmI.data.identity?.principal;
  const leave = async () => {
    await signOut();
    queryClient.clear();
    sessionEnded("You signed out.");
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Tessera</span>
        <nav aria-label="Sections">
          <ul>
            {sections.map(([id, title]) => (
              <li key={id}>
                <Link to={[id]} current={route[0] === id}>
                  {title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            Signed in as <strong>{principal?.accountName}</strong> ({principal?.org})
          </span>
          <button type="button" onClick={() => void leave()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: string[] }) {
  switch (route[0]) {
    case "accounts":
      return route[1] ? <AccountPage id={route[1]} /> : <AccountsPage />;
    case "roles":
      return <RolesPage />;
    case "environments":
      return <EnvironmentsPage />;
    case "organization":
      return <OrganizationPage />;
    case "audit":
      return <AuditPage />;
    case "assistant":
      return <AssistantPage />;
    default:
      return <h1>Not found</h1>;
  }
}
