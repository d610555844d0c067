import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeFailure, type Me, type Role, signInUrl } from '../api.ts';
import type { SessionState } from '../session.ts';
import { Notice } from './layout.tsx';

/**
 * What a signed-in page shows before and instead of itself: loading, a way to sign in, why the
 * user may not be here, or why nobody could tell who they are.
 */
export function SignedIn({
  session,
  roles,
  refusal,
  children,
}: {
  session: SessionState;
  /** Any of these roles; none: anyone signed in. */
  roles?: readonly Role[];
  refusal?: string;
  children: (me: Me) => ComponentChildren;
}) {
  switch (session.status) {
    case 'loading':
      return <p class="loading">Loading…</p>;
    case 'anonymous':
      return (
        <p class="card">
          <a class="button" href={signInUrl()}>
            Sign in
          </a>{' '}
          to see this page.
        </p>
      );
    case 'unknown':
      return <Notice tone="error">{describeFailure(session.failure)}</Notice>;
    default:
      if (roles !== undefined && !roles.some((role) => session.me.roles.includes(role)))
        return <Notice tone="error">{refusal ?? 'This page is not for your account.'}</Notice>;
      return <>{children(session.me)}</>;
  }
}

/** Copies a text (a pitch link, a user id) and says so; the text stays selectable if copying fails. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState<string | undefined>();
  useEffect(() => {
    if (said === undefined) return;
    const timer = setTimeout(() => setSaid(undefined), 3000);
    return () => clearTimeout(timer);
  }, [said]);
  return (
    <>
      <button
        type="button"
        class="button small secondary"
        aria-label={label}
        onClick={() =>
          navigator.clipboard.writeText(text).then(
            () => setSaid('Copied.'),
            () => setSaid('Could not copy: select the text instead.'),
          )
        }
      >
        Copy
      </button>
      <span class="copied" role="status">
        {said}
      </span>
    </>
  );
}
