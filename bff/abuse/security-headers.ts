import type { MiddlewareHandler } from 'hono';

/**
 * What every JSON answer of the API carries: the set OWASP's REST Security Cheat Sheet asks of an
 * API. No browser cache keeps a user's data (the BFF caches server-side, where invalidation
 * reaches), nothing is sniffed into another type, and no answer can be framed or run as a page.
 * Headers that only mean something to an HTML document (Referrer-Policy, COOP, X-XSS-Protection,
 * X-DNS-Prefetch-Control and the like) are left to the pages that serve HTML (Hono's
 * `secureHeaders()` there): every header is parsed by every client on every call, and API answers
 * are the hot path. A route that sets its own `cache-control` (`no-cache` beside an ETag) keeps it.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

const API_SECURITY_ENTRIES = Object.entries(API_SECURITY_HEADERS);

/** {@link API_SECURITY_HEADERS} on every answer of the API routes. */
export function apiSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of API_SECURITY_ENTRIES) {
      if (name !== 'cache-control' || !headers.has(name)) headers.set(name, value);
    }
  };
}
