import type { OpenAPIHono } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from './contract.ts';
import type { PerformancesService } from './service.ts';

export function performanceRoutes(app: OpenAPIHono<ServiceEnv>, performances: PerformancesService) {
  return app.openapi(routes.list, async (c) =>
    c.json(await performances.list(actorOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
}
