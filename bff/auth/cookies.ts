import type { CookieOptions } from 'hono/utils/cookie';

/** The browser's only credential: an opaque session id. */
export const SESSION_COOKIE = 'sid';
/** Ties the callback to the browser that started the sign-in. */
export const LOGIN_COOKIE = 'sid_login';
export const LOGIN_COOKIE_PATH = '/auth/callback';

/**
 * HttpOnly (scripts never see it), SameSite=Lax (sent on the top-level redirect back from the
 * provider, not on cross-site subrequests), Secure whenever the BFF is served over https.
 */
export function cookieOptions(publicBaseUrl: string, path: string, maxAgeSeconds: number): CookieOptions {
  return {
    path,
    httpOnly: true,
    sameSite: 'Lax',
    secure: publicBaseUrl.startsWith('https://'),
    maxAge: maxAgeSeconds,
  };
}
