import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { jsonResponse } from '#lib/openapi';
import { requireAuth, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { actorOf } from '../auth/principal.ts';
import type { BffEnv } from '../env.ts';
import { PerformancesPage, PerformancesQuery } from './shapes.ts';

const routes = {
  list: createRoute({
    security: signedIn,
    middleware: requireAuth(),
    tags: ['events'],
    method: 'get',
    path: '/singers/{id}/performances',
    summary: "A singer's performances, newest first (the singer, or a KJ for the nights they ran)",
    request: {
      params: z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) }),
      query: PerformancesQuery,
    },
    responses: {
      200: jsonResponse(PerformancesPage, 'A page of performances'),
      401: authErrorResponses[401],
      403: authErrorResponses[403],
    },
  }),
};

/** `GET /api/singers/{id}/performances`, mounted at `/api`: who may read whose history is the service's rule. */
export function performanceRoutes() {
  return new OpenAPIHono<BffEnv>().openapi(routes.list, async (c) => {
    const { id } = c.req.valid('param');
    const page = await c
      .get('deps')
      .performances.list(c.var, actorOf(signedInPrincipal(c)), id, c.req.valid('query'));
    c.header('cache-control', 'no-store');
    return c.json(page, 200);
  });
}
