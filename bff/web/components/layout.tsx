import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Role } from '../api.ts';
import { signInUrl } from '../api.ts';
import { type SessionState, signOut } from '../session.ts';

/**
 * The site's navigation. A link shows for the roles it names (none: everyone). The library pages
 * (upload, playlists, shared with me) join this list when their APIs exist.
 */
const NAV: ReadonlyArray<{ href: string; label: string; roles?: readonly Role[] }> = [
  { href: '/', label: 'Search' },
  { href: '/kj', label: 'Host a night', roles: ['kj', 'admin'] },
];

interface LayoutProps {
  title: string;
  session: SessionState;
  children: ComponentChildren;
  /** Full-screen pages (the venue display) leave out the header. */
  bare?: boolean;
}

/** Every page's frame: a skip link, the header with navigation and who is signed in, and `main`. */
export function Layout({ title, session, children, bare = false }: LayoutProps) {
  useEffect(() => {
    document.title = `${title} · Karaoke Suite`;
  }, [title]);
  if (bare)
    return (
      <main id="main" class="bare">
        {children}
      </main>
    );
  const roles = session.status === 'signed-in' ? session.me.roles : [];
  const here = location.pathname;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="site">
        <a class="brand" href="/">
          <span aria-hidden="true">♪</span> Karaoke Suite
        </a>
        <nav aria-label="Site">
          <ul>
            {NAV.filter(
              (item) => item.roles === undefined || item.roles.some((role) => roles.includes(role)),
            ).map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={here === item.href ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <Account session={session} />
      </header>
      <main id="main">{children}</main>
    </>
  );
}

function Account({ session }: { session: SessionState }) {
  if (session.status === 'loading') return <div class="account" />;
  if (session.status === 'signed-in') {
    const { me } = session;
    const name = me.profile.status === 'ok' ? me.profile.data.stageName : (me.name ?? me.email ?? 'You');
    return (
      <div class="account">
        <span class="who">{name}</span>
        <button type="button" class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <div class="account">
      <a class="button small" href={signInUrl()}>
        Sign in
      </a>
    </div>
  );
}

/** A message for the user: `status` is announced politely, `alert` at once. */
export function Notice({
  tone = 'info',
  children,
}: {
  tone?: 'info' | 'error';
  children: ComponentChildren;
}) {
  return (
    <p class={`notice ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}
