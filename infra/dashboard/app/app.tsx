import { useEffect, useRef, useState } from 'preact/hooks';
import { AdvisoriesPage } from './advisories.tsx';
import { currentSession, errorText, signOut, whenUnauthorized } from './api.ts';
import type { Session } from './api-types.ts';
import { AppEnvironmentPage } from './app-environment.tsx';
import { Header } from './header.tsx';
import { LookupPage } from './lookup.tsx';
import { OverviewPage } from './overview.tsx';
import { overviewHash, type Route } from './router.ts';
import { SignIn } from './sign-in.tsx';
import { ErrorMessage, LiveStatus } from './status.tsx';
import { useRoute } from './use-route.ts';

const titles: Record<Route['page'], string> = {
  overview: 'Overview',
  app: 'App-environment',
  lookup: 'Lookup',
  advisories: 'Advisories',
  'not-found': 'Not found',
};

function Page({ route, session }: { route: Route; session: Session }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage params={route.params} />;
    case 'app':
      return (
        <AppEnvironmentPage
          key={`${route.app}/${route.environment}`}
          app={route.app}
          environment={route.environment}
          admin={session.scope === 'admin'}
        />
      );
    case 'lookup':
      return <LookupPage params={route.params} />;
    case 'advisories':
      return <AdvisoriesPage params={route.params} />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            There is no page at this address. <a href={overviewHash()}>Go to the overview</a>.
          </p>
        </>
      );
  }
}

/**
 * The dashboard: the session decides between the sign-in form and the pages. GET /v1/session on load
 * tells whether the cookie still holds one; a 401 from any later call brings the sign-in form back.
 */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [signingOut, setSigningOut] = useState(false);
  const main = useRef<HTMLElement>(null);
  const shownPage = useRef<string | undefined>(undefined);

  const check = () => {
    setFailure(undefined);
    currentSession().then(
      (found) => setSession(found ?? null),
      (error: unknown) => setFailure(error),
    );
  };

  useEffect(() => {
    whenUnauthorized(() => {
      setSession(null);
      setNotice('Your session has ended. Sign in again to go on.');
    });
    check();
  }, []);

  const pageKey = route.page === 'app' ? `app/${route.app}/${route.environment}` : route.page;
  useEffect(() => {
    document.title = `${titles[route.page]} · Muster`;
    // After a navigation (not the first page shown), focus moves to the new page's heading.
    if (session && shownPage.current !== undefined && shownPage.current !== pageKey) {
      main.current?.querySelector<HTMLElement>('h1')?.focus();
    }
    if (session) shownPage.current = pageKey;
  }, [pageKey, session]);

  const leave = async () => {
    setSigningOut(true);
    try {
      await signOut();
      setNotice('You are signed out.');
    } catch (error) {
      setNotice(`Signing out failed on the server (${errorText(error)}); this page forgot the session.`);
    } finally {
      setSigningOut(false);
      setSession(null);
      shownPage.current = undefined;
    }
  };

  if (session === undefined) {
    return (
      <main id="main" class="boot" tabIndex={-1}>
        {failure ? <ErrorMessage error={failure} retry={check} /> : <LiveStatus>Loading Muster…</LiveStatus>}
      </main>
    );
  }
  if (session === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(undefined);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <>
      <Header session={session} route={route} signingOut={signingOut} onSignOut={leave} />
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} session={session} />
      </main>
    </>
  );
}
