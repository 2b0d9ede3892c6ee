import type { Session } from './api-types.ts';
import { advisoriesHash, lookupHash, overviewHash, type Route, section } from './router.ts';

const links = [
  { section: 'overview', label: 'Overview', href: overviewHash() },
  { section: 'lookup', label: 'Lookup', href: lookupHash() },
  { section: 'advisories', label: 'Advisories', href: advisoriesHash() },
] as const;

/** Moves focus to the page's content: a button, since a `#main` link would change the hash route. */
function skipToContent() {
  document.getElementById('main')?.focus();
}

export function Header({
  session,
  route,
  signingOut,
  onSignOut,
}: {
  session: Session;
  route: Route;
  signingOut: boolean;
  onSignOut: () => void;
}) {
  const current = section(route);
  return (
    <header class="site-header">
      <button type="button" class="skip-link" onClick={skipToContent}>
        Skip to content
      </button>
      <div class="header-inner">
        <a class="brand" href={overviewHash()}>
          Muster
        </a>
        <nav aria-label="Main">
          <ul>
            {links.map((link) => (
              <li key={link.section}>
                <a href={link.href} aria-current={current === link.section ? 'page' : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="org" title="Organization">
            {session.org}
          </span>
          <span class={`badge scope-${session.scope}`}>
            {session.scope === 'admin' ? 'Admin' : 'Read only'}
          </span>
          <button type="button" class="secondary" onClick={onSignOut} disabled={signingOut}>
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </div>
    </header>
  );
}
