import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { methodNotAllowed, notFound, problemResponse, requestContext, wellFormedQuery } from '#lib/http';
import { limitBody, validationHook } from '#lib/service-app';
import { authFailureLimit } from './abuse/auth-failures.ts';
import { rateLimit } from './abuse/rate-limit.ts';
import { forApiAnswers, pageSecurityHeaders } from './abuse/security-headers.ts';
import { authenticate, bearerChallenge, csrfProtection } from './auth/middleware.ts';
import { registerSecuritySchemes } from './auth/openapi.ts';
import { keptAnswers } from './cache/kept-answers.ts';
import type { BffDeps, BffEnv } from './env.ts';
import { serveApiDescription } from './openapi/document.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { meHotReads, meRoutes } from './routes/me.ts';
import { mediaRoutes } from './routes/media.ts';
import { performanceRoutes } from './routes/performances.ts';
import { pitchPageRoutes, withoutPitchToken } from './routes/pitch-page.ts';
import { pitchRoutes } from './routes/pitches.ts';
import { playlistRoutes } from './routes/playlists.ts';
import { shareDownloadGrant, shareRoutes } from './routes/shares.ts';
import { songHotReads, songRoutes } from './routes/songs.ts';
import { webRoutes } from './routes/web.ts';
import { flushUsage, recordSongViews } from './usage/middleware.ts';

const MAX_BODY_BYTES = 256 * 1024;
const BODILESS_METHODS = new Set(['GET', 'HEAD']);
const API_REALM = 'karaoke-api';
const DOCS_PATH = '/api/docs';
/** Paths a browser shows or is sent through: the docs page, sign-in and the front end. `/api/*` answers JSON. */
const servesPages = (path: string) => path === DOCS_PATH || !path.startsWith('/api/');
/** The pitch recipient's pages: public, never acting on a session, their path a secret. */
const isPitchPage = (path: string) => path.startsWith('/p/');

export function createApp(deps: BffDeps) {
  const app = new OpenAPIHono<BffEnv>({ defaultHook: validationHook });
  const { config } = deps;
  const trustedOrigins = [new URL(config.PUBLIC_BASE_URL).origin, ...config.CORS_ORIGINS];

  app.use('*', requestContext(deps.log, { loggedPath: withoutPitchToken }));
  const https = config.PUBLIC_BASE_URL.startsWith('https://');
  const forApi = forApiAnswers(https);
  const forPages = pageSecurityHeaders(https);
  const forPitchPages = pageSecurityHeaders(https, 'no-referrer');
  app.use('*', (c, next) => {
    const { path } = c.req;
    if (isPitchPage(path)) return forPitchPages(c, next);
    return servesPages(path) ? forPages(c, next) : forApi(c, next);
  });
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', flushUsage(config.USAGE_FLUSH, config.USAGE_FLUSH_CAP_MS));
  const limitBodies = limitBody(MAX_BODY_BYTES);
  // No GET or HEAD route reads a body. Skipping the check there also spares every read the full
  // web Request object (with its AbortSignal) that looking at `c.req.raw.body` makes the adapter build.
  app.use('*', (c, next) => (BODILESS_METHODS.has(c.req.method) ? next() : limitBodies(c, next)));
  const corsForBrowsers = cors({ origin: config.CORS_ORIGINS, credentials: true, maxAge: 600 });
  // Only cross-origin browser requests carry Origin; the rest need no CORS headers. Hono's cors
  // touches the response before and after the route, which makes every response be built twice.
  app.use('*', async (c, next) => {
    if (c.req.header('origin') !== undefined) return corsForBrowsers(c, next);
    await next();
    c.res.headers.append('vary', 'Origin');
  });
  app.use('*', authFailureLimit(deps));
  const csrf = csrfProtection(trustedOrigins);
  app.use(
    '*',
    bearerChallenge(API_REALM),
    authenticate(deps.auth, { rolesMaxAgeSeconds: config.SESSION_ROLES_MAX_AGE_SECONDS }),
    // A pitch page's unlock form acts on no session, and its no-referrer policy makes a browser
    // send `Origin: null`: a signed-in recipient must still be able to unlock it.
    (c, next) => (isPitchPage(c.req.path) ? next() : csrf(c, next)),
  );
  app.use('*', rateLimit(deps));
  app.use('*', wellFormedQuery());
  // A path of the API asked with a method it does not take: 405 naming those it takes.
  app.use(
    '*',
    methodNotAllowed(() => app.routes),
  );
  // Song views count whoever answers them, the hot-read step included.
  app.use('/api/songs/*', recordSongViews());
  // Repeated reads of the hottest routes are answered from memory, after every policy above.
  app.use('*', keptAnswers(deps.cache, [...songHotReads, ...meHotReads]).middleware);

  // One line per area. Modules built as OpenAPIHono add their routes to the OpenAPI document.
  app.route('/api', healthRoutes());
  app.route('/api', meRoutes());
  app.route('/api', songRoutes());
  app.route('/api', mediaRoutes({ downloadGrant: shareDownloadGrant }));
  app.route('/api', eventRoutes());
  app.route('/api', performanceRoutes());
  app.route('/api', playlistRoutes());
  app.route('/api', shareRoutes());
  app.route('/api', pitchRoutes());
  app.route('/api', adminRoutes());
  app.route('/api', docsRoutes());
  app.route('/auth', authRoutes());
  app.route('/p', pitchPageRoutes());
  app.route('/', webRoutes());

  registerSecuritySchemes(app);
  serveApiDescription(app, '/api/openapi.json');
  app.onError(problemResponse);
  app.notFound(notFound);

  return app;
}
