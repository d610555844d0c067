import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import { jsonResponse } from '#lib/openapi';
import type { ServiceEnv } from '#lib/service-app';
import { PerformancesPage, PerformancesQuery } from './schema.ts';
import type { PerformancesService } from './service.ts';

const routes = {
  list: createRoute({
    method: 'get',
    path: '/singers/{id}/performances',
    request: {
      params: z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) }),
      query: PerformancesQuery,
    },
    responses: { 200: jsonResponse(PerformancesPage, 'Performances, newest first') },
  }),
};

export function performanceRoutes(app: OpenAPIHono<ServiceEnv>, performances: PerformancesService) {
  return app.openapi(routes.list, async (c) =>
    c.json(await performances.list(actorOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
}
