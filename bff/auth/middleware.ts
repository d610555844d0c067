import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { DependencyError, ForbiddenError, UnauthorizedError } from '#lib/errors';
import type { RequestVariables } from '#lib/http';
import type { BearerVerifier } from './bearer.ts';
import { SESSION_COOKIE } from './cookies.ts';
import type { OidcClient } from './oidc.ts';
import { hasAnyRole, type Principal, type Role } from './principal.ts';
import { liveSession, type RenewalPolicy } from './renewal.ts';
import type { PendingLoginStore, SessionStore } from './sessions.ts';

/** What sign-in and authentication need, injected through `createApp`. */
export interface AuthDeps {
  sessions: SessionStore;
  pendingLogins: PendingLoginStore;
  oidc: OidcClient;
  bearer: BearerVerifier;
}

export interface AuthVariables {
  /** The caller, or null when anonymous. Set for every request before any route runs. */
  principal: Principal | null;
  /**
   * Set when the request carried a session cookie the session store could not look up: the caller
   * is unknown, not anonymous, so whatever needs to know who it is answers 503 rather than 401.
   */
  sessionUnknown?: SessionStoreUnavailableError;
}

type AuthEnv = { Variables: AuthVariables & Pick<RequestVariables, 'log'> };

/** Seconds a caller whose session could not be looked up is told to wait (`Retry-After`). */
export const SESSION_RETRY_AFTER_SECONDS = 2;

/** The session store did not answer: who is behind the cookie cannot be told right now. */
export class SessionStoreUnavailableError extends DependencyError {
  readonly retryAfterSeconds = SESSION_RETRY_AFTER_SECONDS;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Establishes `c.get('principal')` from a Bearer token (which must verify, or the request ends with
 * 401) or else from the session cookie, with roles renewed from the provider when due
 * ({@link liveSession}). When the session store cannot answer (down, or slower than its timeout),
 * a cookie request goes on without a principal but marked `sessionUnknown`: routes open to everyone
 * still answer it, and anything that needs the signed-in user answers 503 with `Retry-After`
 * ({@link signedInPrincipal}). Bearer requests do not depend on the store.
 */
export function authenticate(
  auth: Pick<AuthDeps, 'sessions' | 'bearer' | 'oidc'>,
  policy: RenewalPolicy,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization.trim())?.[1];
      if (!token) throw new UnauthorizedError('The Authorization header must carry a Bearer token.');
      c.set('principal', await auth.bearer.verify(token));
      return next();
    }
    const sessionId = getCookie(c, SESSION_COOKIE);
    let principal: Principal | null = null;
    let unknown: SessionStoreUnavailableError | undefined;
    if (sessionId !== undefined) {
      try {
        const session = await liveSession(auth, sessionId, policy, c.get('log'));
        if (session) principal = { ...session.user, via: 'session' };
      } catch (error) {
        unknown = new SessionStoreUnavailableError('The session store is unavailable right now.', {
          cause: error,
        });
        c.set('sessionUnknown', unknown);
      }
    }
    c.set('principal', principal);
    await next();
    if (unknown && c.res.status === 503) c.header('retry-after', String(unknown.retryAfterSeconds));
  };
}

/** Tells a 401's caller how to authenticate (RFC 6750), and that a token it sent was refused. */
export function bearerChallenge(realm: string): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status !== 401) return;
    const refused = c.req.header('authorization') !== undefined ? ', error="invalid_token"' : '';
    c.header('www-authenticate', `Bearer realm="${realm}"${refused}`);
  };
}

/**
 * Refuses unsafe requests that ride on the session cookie from another site: their Origin (or,
 * lacking one, Referer) must be the BFF's own or a configured front-end origin. Bearer requests are
 * exempt: a browser never attaches a Bearer token by itself.
 */
export function csrfProtection(allowedOrigins: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const ridesOnCookie =
      !SAFE_METHODS.has(c.req.method) &&
      c.req.header('authorization') === undefined &&
      getCookie(c, SESSION_COOKIE) !== undefined;
    if (ridesOnCookie) {
      const origin = requestOrigin(c.req.header('origin'), c.req.header('referer'));
      if (!origin || !allowedOrigins.includes(origin)) {
        throw new ForbiddenError('Cross-site request refused: send it from an allowed origin.');
      }
    }
    await next();
  };
}

/** The origin a browser says a request comes from; undefined when it says nothing usable. */
export function requestOrigin(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin !== undefined && origin !== 'null') return origin;
  if (referer === undefined || !URL.canParse(referer)) return undefined;
  const { origin: refererOrigin } = new URL(referer);
  return refererOrigin === 'null' ? undefined : refererOrigin;
}

/**
 * The signed-in caller; a 401 for an anonymous request, a 503 when the session store could not say
 * who sent the cookie. Behind `requireAuth()` it only narrows the type.
 */
export function signedInPrincipal(c: Pick<Context<{ Variables: AuthVariables }>, 'get'>): Principal {
  const principal = c.get('principal');
  if (principal) return principal;
  const unknown = c.get('sessionUnknown');
  if (unknown) throw unknown;
  throw new UnauthorizedError('Sign in, or send a Bearer access token.');
}

/** 401 unless someone is signed in (by session or Bearer token). */
export function requireAuth(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    signedInPrincipal(c);
    await next();
  };
}

/** 401 when anonymous, 403 when signed in without any of the roles (`admin` passes every check). */
export function requireRole(...roles: Role[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (!hasAnyRole(signedInPrincipal(c), roles)) {
      throw new ForbiddenError(`This needs one of the roles: ${roles.join(', ')}.`);
    }
    await next();
  };
}
