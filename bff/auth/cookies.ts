import type { CookieOptions } from 'hono/utils/cookie';

/**
 * The browser's only credential: an opaque session id. The `__Host-` prefix makes the browser keep
 * it only when it is Secure, for Path=/ and without Domain, so no sibling subdomain and no plain-http
 * page can set or shadow it. Browsers treat http://127.0.0.1 and http://localhost as secure enough
 * for it, which is why the local stack's plain-http origin works too (config allows plain http on
 * loopback hosts only).
 */
export const SESSION_COOKIE = '__Host-sid';
/** Ties the callback to the browser that started the sign-in. */
export const LOGIN_COOKIE = '__Secure-sid_login';
export const LOGIN_COOKIE_PATH = '/auth/callback';

/**
 * HttpOnly (scripts never see it), SameSite=Lax (sent on the top-level redirect back from the
 * provider, not on cross-site subrequests), Secure always (see {@link SESSION_COOKIE}).
 */
export function cookieOptions(path: string, maxAgeSeconds: number): CookieOptions {
  return { path, httpOnly: true, sameSite: 'Lax', secure: true, maxAge: maxAgeSeconds };
}
