import type { OpenAPIHono } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import { parseIfMatch } from '#lib/if-match';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from './contract.ts';
import type { RotationsService } from './service.ts';

export function rotationRoutes(app: OpenAPIHono<ServiceEnv>, rotations: RotationsService) {
  return app
    .openapi(routes.open, async (c) => c.json(await rotations.open(actorOf(c), c.req.valid('json')), 201))
    .openapi(routes.get, async (c) => c.json(await rotations.get(c.req.valid('param').id), 200))
    .openapi(routes.rotation, async (c) => c.json(await rotations.rotation(c.req.valid('param').id), 200))
    .openapi(routes.request, async (c) =>
      c.json(await rotations.request(c.req.valid('param').id, actorOf(c), c.req.valid('json')), 201),
    )
    .openapi(routes.withdraw, async (c) => {
      const { id, requestId } = c.req.valid('param');
      await rotations.withdraw(id, actorOf(c), requestId);
      return c.body(null, 204);
    })
    .openapi(routes.changeKey, async (c) => {
      const { id, requestId } = c.req.valid('param');
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      const { keyChange } = c.req.valid('json');
      return c.json(await rotations.changeKey(id, actorOf(c), requestId, keyChange, ifMatch), 200);
    })
    .openapi(routes.move, async (c) => {
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      const move = { type: 'move' as const, ...c.req.valid('json') };
      return c.json(await rotations.act(c.req.valid('param').id, actorOf(c), move, ifMatch), 200);
    })
    .openapi(routes.turnAction, async (c) => {
      const { id, action } = c.req.valid('param');
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      return c.json(await rotations.act(id, actorOf(c), { type: action }, ifMatch), 200);
    })
    .openapi(routes.close, async (c) =>
      c.json(await rotations.close(c.req.valid('param').id, actorOf(c)), 200),
    )
    .openapi(routes.upcoming, async (c) =>
      c.json({ items: await rotations.upcomingTurns(c.req.valid('param').id) }, 200),
    )
    .openapi(routes.rebuild, async (c) => c.json(await rotations.rebuild(c.req.valid('param').id), 200));
}
