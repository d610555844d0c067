import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Role } from '../api.ts';
import { signInUrl } from '../api.ts';
import { type SessionState, signOut } from '../session.ts';

/**
 * The site's navigation. A link shows for the roles it names, or to anyone signed in
 * (`signedIn`), or to everyone (neither). A page under a link's path marks that link as current.
 */
const NAV: ReadonlyArray<{ href: string; label: string; roles?: readonly Role[]; signedIn?: boolean }> = [
  { href: '/', label: 'Search' },
  { href: '/library/playlists', label: 'My playlists', signedIn: true },
  { href: '/library/shared', label: 'Shared with me', signedIn: true },
  { href: '/library/upload', label: 'Upload', roles: ['curator', 'admin'] },
  { href: '/kj', label: 'Host a night', roles: ['kj', 'admin'] },
];

const isCurrent = (href: string, here: string) =>
  href === '/' ? here === '/' : here === href || here.startsWith(`${href}/`);

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
  const signedIn = session.status === 'signed-in';
  const roles = signedIn ? session.me.roles : [];
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
            {NAV.filter((item) =>
              item.roles !== undefined
                ? item.roles.some((role) => roles.includes(role))
                : !item.signedIn || signedIn,
            ).map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={isCurrent(item.href, here) ? 'page' : undefined}>
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
