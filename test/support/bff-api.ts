/**
 * Calls the BFF's `/api` in an end-to-end test: JSON bodies, redirects not followed (a 302 to a
 * presigned link is an answer to check), as the user whose Bearer token `tokenOf` gives, or as
 * nobody. `base` reaches another BFF (one built with other settings).
 */
export function bffApi(baseUrl: () => string, tokenOf: (user: string) => string | undefined) {
  const api = (path: string, user?: string | null, init: RequestInit = {}, base = baseUrl()) =>
    fetch(`${base}/api${path}`, {
      redirect: 'manual',
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(user ? { authorization: `Bearer ${tokenOf(user)}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const post = (path: string, user: string, body: unknown) =>
    api(path, user, { method: 'POST', body: JSON.stringify(body) });
  return { api, post };
}
