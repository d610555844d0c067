import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { PayloadTooLargeError, ValidationError } from '#lib/errors';
import { notFound, problemResponse, type RequestVariables, requestContext } from '#lib/http';
import type { Logger } from '#lib/log';
import { type RateLimiter, rateLimit } from './abuse/rate-limit.ts';
import { forApiAnswers, pageSecurityHeaders } from './abuse/security-headers.ts';
import {
  type AuthDeps,
  type AuthVariables,
  authenticate,
  bearerChallenge,
  csrfProtection,
} from './auth/middleware.ts';
import { registerSecuritySchemes } from './auth/openapi.ts';
import { hotReads } from './cache/hot-reads.ts';
import type { Cache } from './cache/port.ts';
import type { CatalogClient } from './clients/catalog.ts';
import type { PerformancesClient } from './clients/performances.ts';
import type { RotationsClient } from './clients/rotations.ts';
import type { SingersClient } from './clients/singers.ts';
import type { BffConfig } from './config.ts';
import type { Probes } from './health/probes.ts';
import { authRoutes } from './routes/auth.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { meHotReads, meRoutes } from './routes/me.ts';
import { songHotReads, songRoutes } from './routes/songs.ts';

/**
 * Everything the BFF talks to, injected so tests can pass real local clients or faulty ones.
 * A new area adds its port here (one line), its adapter in `wiring.ts`, and its routes below.
 */
export interface BffDeps {
  config: BffConfig;
  log: Logger;
  probes: Probes;
  auth: AuthDeps;
  catalog: CatalogClient;
  singers: SingersClient;
  rotations: RotationsClient;
  performances: PerformancesClient;
  /** The read cache; routes use it through `cachedRead` (bff/cache/http.ts). */
  cache: Cache;
  rateLimiter: RateLimiter;
}

/** Read with `c.get(…)` on hot paths: each `c.var` access copies every variable into a new object. */
export type BffEnv = { Variables: RequestVariables & AuthVariables & { deps: BffDeps } };

const MAX_BODY_BYTES = 256 * 1024;
const BODILESS_METHODS = new Set(['GET', 'HEAD']);
const API_REALM = 'karaoke-api';
const DOCS_PATH = '/api/docs';
/** Paths a browser shows or is sent through: the docs page and sign-in. The rest answer JSON. */
const servesPages = (path: string) => path === DOCS_PATH || path.startsWith('/auth/');

export function createApp(deps: BffDeps) {
  const app = new OpenAPIHono<BffEnv>({
    // Schema failures become one 400 problem with every field issue, not zod's raw error.
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        }));
        throw new ValidationError('The request is not valid; see issues for each field.', issues);
      }
    },
  });
  const { config } = deps;
  const trustedOrigins = [new URL(config.PUBLIC_BASE_URL).origin, ...config.CORS_ORIGINS];

  app.use('*', requestContext(deps.log));
  const https = config.PUBLIC_BASE_URL.startsWith('https://');
  const forApi = forApiAnswers(https);
  const forPages = pageSecurityHeaders(https);
  app.use('*', (c, next) => (servesPages(c.req.path) ? forPages(c, next) : forApi(c, next)));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(`Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB.`);
    },
  });
  // No GET or HEAD route reads a body. Skipping the check there also spares every read the full
  // web Request object (with its AbortSignal) that looking at `c.req.raw.body` makes the adapter build.
  app.use('*', (c, next) => (BODILESS_METHODS.has(c.req.method) ? next() : limitBody(c, next)));
  const corsForBrowsers = cors({ origin: config.CORS_ORIGINS, credentials: true, maxAge: 600 });
  // Only cross-origin browser requests carry Origin; the rest need no CORS headers. Hono's cors
  // touches the response before and after the route, which makes every response be built twice.
  app.use('*', async (c, next) => {
    if (c.req.header('origin') !== undefined) return corsForBrowsers(c, next);
    await next();
    c.res.headers.append('vary', 'Origin');
  });
  app.use('*', bearerChallenge(API_REALM), authenticate(deps.auth), csrfProtection(trustedOrigins));
  app.use('*', rateLimit(deps));

  // One line per area. Modules built as OpenAPIHono add their routes to the OpenAPI document.
  app.route('/api', healthRoutes());
  app.route('/api', meRoutes());
  app.route('/api', songRoutes());
  app.route('/api', eventRoutes());
  app.route('/api', docsRoutes());
  app.route('/auth', authRoutes());

  registerSecuritySchemes(app);
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Karaoke Suite API',
      version: '0.1.0',
      description:
        'The one endpoint the Karaoke Suite front end talks to. Browsers sign in at /auth/login and carry an ' +
        'HttpOnly session cookie; API clients send an access token as `Authorization: Bearer`.',
    },
  });
  app.onError(problemResponse);
  app.notFound(notFound);

  // Repeated reads of the hottest routes are answered from memory ahead of everything above.
  const hot = hotReads({ ...deps, ...deps.auth }, [...songHotReads, ...meHotReads]);
  const dispatch = app.fetch;
  app.fetch = (request, bindings, executionContext) =>
    hot.fetch(request, bindings, () => dispatch(request, bindings, executionContext));
  return app;
}

export type BffApp = ReturnType<typeof createApp>;
