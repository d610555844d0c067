import type { Logger } from '#lib/log';
import { GrantRevokedError, type OidcClient } from './oidc.ts';
import type { Session, SessionStore } from './sessions.ts';

export interface RenewalPolicy {
  /** The longest a session's roles are used before the provider is asked again. */
  rolesMaxAgeSeconds: number;
  now?: () => number;
}

/** How long one BFF instance has to ask the provider before another may try; also the retry pace. */
export const RENEWAL_CLAIM_SECONDS = 30;

/**
 * Roles this many times the maximum age old, because the provider could not be asked, end the
 * session: an outage of the provider does not keep revoked roles alive indefinitely.
 */
export const STALE_ROLES_LIMIT = 4;

/**
 * The session behind a cookie, with roles no older than `rolesMaxAgeSeconds`.
 *
 * When the roles are due, one request (across every BFF instance: {@link SessionStore.claimRenewal})
 * refreshes the provider tokens with the session's refresh token and takes user and roles from the
 * new ID token. The provider refusing the refresh token (the grant was revoked, the user signed out
 * at the provider or was disabled), or a session without one, ends the session: null, so the
 * request is anonymous. A provider that cannot be reached leaves the roles as they are, to be asked
 * again {@link RENEWAL_CLAIM_SECONDS} later, until they are {@link STALE_ROLES_LIMIT} times the
 * maximum age old. Requests that arrive while another is renewing use the roles they have.
 */
export async function liveSession(
  deps: { sessions: SessionStore; oidc: OidcClient },
  id: string,
  policy: RenewalPolicy,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<Session | null> {
  const now = policy.now ?? Date.now;
  const session = await deps.sessions.read(id);
  if (!session) return null;
  const age = now() - session.rolesReadAt;
  const maxAgeMs = policy.rolesMaxAgeSeconds * 1000;
  if (age < maxAgeMs) return session;
  const tooStale = age >= maxAgeMs * STALE_ROLES_LIMIT;
  if (!tooStale && !(await deps.sessions.claimRenewal(id, RENEWAL_CLAIM_SECONDS))) return session;

  const ended = async (reason: string) => {
    await deps.sessions.revoke(id);
    log.info(`session ended: ${reason}`, { 'user.id': session.user.id });
    return null;
  };
  const { refreshToken } = session.tokens;
  if (!refreshToken) return ended('roles are due and the provider issued no refresh token');
  try {
    const renewed = await deps.oidc.refresh(refreshToken, session.user.id);
    const tokens = {
      refreshToken: renewed.tokens.refreshToken ?? refreshToken,
      ...((renewed.tokens.idToken ?? session.tokens.idToken)
        ? { idToken: renewed.tokens.idToken ?? session.tokens.idToken }
        : {}),
    };
    if (!(await deps.sessions.renew(id, renewed.user, tokens))) return null;
    return { ...session, user: renewed.user, tokens, rolesReadAt: now() };
  } catch (error) {
    if (error instanceof GrantRevokedError) return ended('the provider refused the refresh token');
    if (tooStale) return ended('roles could not be read again for too long');
    log.warn('roles could not be read again from the provider; kept for now', error as Error);
    return session;
  }
}
