import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from './contract.ts';
import type { CatalogService } from './service.ts';

export function catalogRoutes(app: OpenAPIHono<ServiceEnv>, catalog: CatalogService) {
  return app
    .openapi(routes.search, async (c) => {
      const query = c.req.valid('query');
      const result = await catalog.search({
        q: query.q,
        limit: query.limit,
        cursor: query.cursor,
        decade: query.decade,
        genre: query.genre,
        durationMinMs: query.minDurationMs,
        durationMaxMs: query.maxDurationMs,
        bpmMin: query.minBpm,
        bpmMax: query.maxBpm,
        musicalKey: query.key,
        explicit: query.explicit === undefined ? undefined : query.explicit === 'true',
        hasAudio: query.hasAudio === undefined ? undefined : query.hasAudio === 'true',
        facets: query.facets === 'true',
      });
      return c.json(result, 200);
    })
    .openapi(routes.get, async (c) => c.json(await catalog.get(c.req.valid('param').id), 200))
    .openapi(routes.lookup, async (c) =>
      c.json({ songs: await catalog.lookup(c.req.valid('json').ids) }, 200),
    )
    .openapi(routes.create, async (c) => c.json(await catalog.create(c.req.valid('json')), 201))
    .openapi(routes.update, async (c) =>
      c.json(await catalog.update(c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(routes.remove, async (c) => {
      await catalog.remove(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.import, async (c) => c.json(await catalog.importBatch(c.req.valid('json').songs), 200));
}
