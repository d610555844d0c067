import { useEffect, useState } from 'preact/hooks';
import { api, call, type Failure, type Me } from './api.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'signed-in'; me: Me }
  | { status: 'unknown'; failure: Failure };

/** Who is using the page, from `/api/me` (a 401 there just means nobody is signed in). */
export function useSession(): SessionState {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    void call(api.GET('/api/me')).then((outcome) => {
      if (outcome.ok) setState({ status: 'signed-in', me: outcome.data });
      else if (outcome.failure.kind === 'signed-out') setState({ status: 'anonymous' });
      else setState({ status: 'unknown', failure: outcome.failure });
    });
  }, []);
  return state;
}

/**
 * Signs out by a form post, not fetch: the answer redirects to the identity provider's sign-out,
 * which a page must follow itself for the provider's session to end too.
 */
export function signOut(): void {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = '/auth/logout';
  document.body.append(form);
  form.submit();
}
