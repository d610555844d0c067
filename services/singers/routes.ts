import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from './contract.ts';
import type { SingersService } from './service.ts';

export function singerRoutes(app: OpenAPIHono<ServiceEnv>, singers: SingersService) {
  return app
    .openapi(routes.upsert, async (c) => {
      const { singer, created } = await singers.upsertFromClaims(
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return created ? c.json(singer, 201) : c.json(singer, 200);
    })
    .openapi(routes.get, async (c) => c.json(await singers.get(c.req.valid('param').id), 200))
    .openapi(routes.update, async (c) =>
      c.json(await singers.update(c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(routes.favourites, async (c) =>
      c.json(await singers.favourites(c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(routes.addFavourite, async (c) => {
      const { id, songId } = c.req.valid('param');
      const { favourite, created } = await singers.addFavourite(id, songId);
      return created ? c.json(favourite, 201) : c.json(favourite, 200);
    })
    .openapi(routes.removeFavourite, async (c) => {
      const { id, songId } = c.req.valid('param');
      await singers.removeFavourite(id, songId);
      return c.body(null, 204);
    });
}
