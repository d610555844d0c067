import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

const HSTS = 'max-age=15552000; includeSubDomains';

/**
 * What every JSON answer of the API carries, after OWASP's REST Security Cheat Sheet: what an
 * API needs. No browser cache keeps a user's data (the BFF caches server-side, where invalidation
 * reaches), nothing is sniffed into another type, and no answer can be framed or run as a page.
 * Headers that only mean something to an HTML document (Referrer-Policy, COOP, X-XSS-Protection,
 * X-DNS-Prefetch-Control and the like) are left to the pages that serve HTML
 * ({@link pageSecurityHeaders}): every header is parsed by every client on every call, and API
 * answers are the hot path. A route that sets its own `cache-control` (`no-cache` beside an ETag)
 * keeps it.
 *
 * Strict-Transport-Security only when the BFF is served over https: RFC 6797 forbids sending it
 * over plain http (the local stack). No X-Frame-Options: `frame-ancestors` replaces it in every
 * browser that supports CSP, and a JSON answer framed in one that does not shows nothing to click.
 */
export function apiSecurityHeaders(https: boolean): Readonly<Record<string, string>> {
  return Object.freeze({
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    ...(https ? { 'strict-transport-security': HSTS } : {}),
    'x-content-type-options': 'nosniff',
  });
}

/** {@link apiSecurityHeaders} on every answer of the API routes. */
export function forApiAnswers(https: boolean): MiddlewareHandler {
  const entries = Object.entries(apiSecurityHeaders(https));
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of entries) {
      if (name !== 'cache-control' || !headers.has(name)) headers.set(name, value);
    }
  };
}

/**
 * For routes that serve HTML or send the browser on (the API docs page, sign-in): Hono's document
 * set, with `same-origin` referrers by default: a page's own form posts (sign-out) then carry its
 * Origin, which CSRF protection needs (under `no-referrer` a browser sends `Origin: null`), and no
 * other site learns a path. The pitch recipient's pages, whose path is the secret, use `no-referrer`.
 */
export function pageSecurityHeaders(
  https: boolean,
  referrerPolicy: 'same-origin' | 'no-referrer' = 'same-origin',
): MiddlewareHandler {
  return secureHeaders({ strictTransportSecurity: https ? HSTS : false, referrerPolicy });
}
