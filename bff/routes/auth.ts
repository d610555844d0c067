import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { DependencyError, UnauthorizedError } from '#lib/errors';
import { cookieOptions, LOGIN_COOKIE, LOGIN_COOKIE_PATH, SESSION_COOKIE } from '../auth/cookies.ts';
import { signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, ProblemSchema, UserSchema } from '../auth/openapi.ts';
import type { Principal } from '../auth/principal.ts';
import { PENDING_LOGIN_SECONDS } from '../auth/sessions.ts';
import type { BffEnv } from '../env.ts';
import { ensureSinger } from '../singers/own-singer.ts';

/** A path on this site: one leading slash, never `//host` or `/\host`, which browsers treat as another site. */
/**
 * A path on this site in printable ASCII, as a `Location` header can carry it (non-ASCII arrives
 * percent-encoded): never another site (`//host`, `/\host`), never a control character.
 */
const LocalPath = z
  .string()
  .max(2048)
  .regex(/^\/(?![/\\])[!-[\]-~]*$/, 'must be a path on this site in printable characters, such as /songs');

const SessionState = z.object({ authenticated: z.literal(true), user: UserSchema }).openapi('Session');
const Anonymous = z.object({ authenticated: z.literal(false) }).openapi('Anonymous');

const redirect = (description: string) => ({
  description,
  headers: z.object({ location: z.string() }),
});
const unavailable = {
  description: 'The session store or the identity provider is unavailable',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

const loginRoute = createRoute({
  method: 'get',
  path: '/login',
  tags: ['auth'],
  summary: 'Start signing in (browser navigation)',
  description:
    'Redirects to the identity provider (authorization code flow with PKCE). The provider sends the browser back to /auth/callback.',
  request: {
    query: z.object({
      returnTo: LocalPath.optional().openapi({ description: 'Where to land after signing in; default /' }),
    }),
  },
  responses: { 302: redirect('To the identity provider'), 503: unavailable },
});

const callbackRoute = createRoute({
  method: 'get',
  path: '/callback',
  tags: ['auth'],
  summary: 'Finish signing in (the identity provider redirects here)',
  description:
    'Checks state, PKCE and nonce, exchanges the code, starts a new session and sets the HttpOnly, Secure `__Host-sid` cookie.',
  responses: {
    302: redirect('To the returnTo path given to /auth/login'),
    401: authErrorResponses[401],
    503: unavailable,
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['auth'],
  summary: "Sign out: end the session (or all of the user's sessions) and the identity provider's session",
  description:
    'Ends the session on the server and clears the cookie, then sends the browser (303) to the identity ' +
    "provider's sign-out endpoint, which sends it back to the home page: the next sign-in asks for the " +
    'password again. Submit it as a form (a navigation): a script cannot follow the redirect to the provider. ' +
    "With `everywhere=1`, every session of the signed-in user ends, on every device (a Bearer caller's too).",
  request: {
    query: z.object({
      everywhere: z
        .literal('1', { error: "must be '1' when given" })
        .optional()
        .openapi({ description: "'1': end every session of the signed-in user, not only this one" }),
    }),
  },
  responses: {
    303: redirect("To the identity provider's sign-out, or the home page when it has none"),
    400: { description: 'A query parameter is malformed', content: unavailable.content },
    401: authErrorResponses[401],
    403: authErrorResponses[403],
    503: unavailable,
  },
});

const sessionRoute = createRoute({
  method: 'get',
  path: '/session',
  tags: ['auth'],
  summary: 'Who is signed in',
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: SessionState } } },
    401: { description: 'Anonymous', content: { 'application/json': { schema: Anonymous } } },
    503: unavailable,
  },
});

const userOf = (principal: Principal) => ({
  id: principal.id,
  name: principal.name ?? null,
  email: principal.email ?? null,
  roles: principal.roles,
});

/** Calls the session store, turning its outage into a 503 that says what cannot be done. */
async function withSessionStore<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyError(`${what} is unavailable right now.`, { cause: error });
  }
}

const sessionCookie = (c: Context<BffEnv>) =>
  cookieOptions('/', c.get('deps').config.SESSION_ABSOLUTE_SECONDS);

/** `/auth/*`: the browser's sign-in, mounted at `/auth`. */
export function authRoutes() {
  return new OpenAPIHono<BffEnv>()
    .openapi(loginRoute, async (c) => {
      const { auth } = c.get('deps');
      const { returnTo = '/' } = c.req.valid('query');
      const { authorizationUrl, checks } = await auth.oidc.beginLogin();
      const loginId = await withSessionStore('Signing in', () =>
        auth.pendingLogins.save({ ...checks, returnTo }),
      );
      setCookie(c, LOGIN_COOKIE, loginId, cookieOptions(LOGIN_COOKIE_PATH, PENDING_LOGIN_SECONDS));
      c.header('cache-control', 'no-store');
      return c.redirect(authorizationUrl.href, 302);
    })
    .openapi(callbackRoute, async (c) => {
      const { config, auth } = c.get('deps');
      const log = c.get('log');
      const loginId = getCookie(c, LOGIN_COOKIE);
      if (!loginId) {
        throw new UnauthorizedError('No sign-in is in progress in this browser; start again at /auth/login.');
      }
      const pending = await withSessionStore('Signing in', () => auth.pendingLogins.take(loginId));
      if (!pending) {
        throw new UnauthorizedError(
          'This sign-in has expired or was already used; start again at /auth/login.',
        );
      }
      const callbackUrl = new URL(`${config.PUBLIC_BASE_URL}/auth/callback${new URL(c.req.url).search}`);
      const { user, tokens } = await auth.oidc.completeLogin(callbackUrl, pending);
      // Never reuse an id the browser brought along (session fixation): end it, then issue a new one.
      const previous = getCookie(c, SESSION_COOKIE);
      if (previous) {
        await auth.sessions.revoke(previous).catch((error: unknown) => {
          log.warn('could not revoke the session replaced by a new sign-in', error as Error);
        });
      }
      const sessionId = await withSessionStore('Signing in', () => auth.sessions.create(user, tokens));
      // First sign-in creates the singer; failing that, GET /api/me creates it later.
      await ensureSinger(c, user).catch((error: unknown) => {
        log.warn('could not create or refresh the singer at sign-in', error as Error);
      });
      deleteCookie(c, LOGIN_COOKIE, cookieOptions(LOGIN_COOKIE_PATH, 0));
      setCookie(c, SESSION_COOKIE, sessionId, sessionCookie(c));
      c.header('cache-control', 'no-store');
      log.info('signed in', { 'user.id': user.id });
      // Checked again: a pending login stored before a stricter rule must not break the redirect.
      const returnTo = LocalPath.safeParse(pending.returnTo).success ? pending.returnTo : '/';
      return c.redirect(`${config.PUBLIC_BASE_URL}${returnTo}`, 302);
    })
    .openapi(logoutRoute, async (c) => {
      const { auth, config } = c.get('deps');
      const log = c.get('log');
      const { everywhere } = c.req.valid('query');
      const sessionId = getCookie(c, SESSION_COOKIE);
      const session = sessionId
        ? await withSessionStore('Signing out', () => auth.sessions.read(sessionId))
        : null;
      if (everywhere) {
        const { id } = signedInPrincipal(c);
        const ended = await withSessionStore('Signing out', () => auth.sessions.revokeAllOf(id));
        log.info('signed out everywhere', { 'user.id': id, 'session.count': ended });
      } else if (sessionId) {
        await withSessionStore('Signing out', () => auth.sessions.revoke(sessionId));
      }
      deleteCookie(c, SESSION_COOKIE, { ...sessionCookie(c), maxAge: 0 });
      c.header('cache-control', 'no-store');
      const home = `${config.PUBLIC_BASE_URL}/`;
      // Without the provider's endpoint the BFF's sign-out still holds; only the provider's own
      // session may then let the next sign-in through without a password.
      const providerSignOut = await auth.oidc
        .endSessionUrl(home, session?.tokens.idToken)
        .catch((error: unknown) => {
          log.warn("could not build the identity provider's sign-out URL", error as Error);
          return undefined;
        });
      return c.redirect(providerSignOut?.href ?? home, 303);
    })
    .openapi(sessionRoute, (c) => {
      const principal = c.get('principal');
      const unknown = c.get('sessionUnknown');
      if (!principal && unknown) throw unknown;
      c.header('cache-control', 'no-store');
      return principal
        ? c.json({ authenticated: true as const, user: userOf(principal) }, 200)
        : c.json({ authenticated: false as const }, 401);
    });
}
