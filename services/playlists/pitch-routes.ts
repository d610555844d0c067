import type { OpenAPIHono } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import type { ServiceEnv } from '#lib/service-app';
import { pitchRoutes as routes } from './contract.ts';
import type { PitchesService } from './pitches.ts';

export function pitchRoutes(app: OpenAPIHono<ServiceEnv>, pitches: PitchesService) {
  return app
    .openapi(routes.create, async (c) => c.json(await pitches.create(actorOf(c), c.req.valid('json')), 201))
    .openapi(routes.list, async (c) => c.json(await pitches.list(actorOf(c), c.req.valid('query')), 200))
    .openapi(routes.get, async (c) => c.json(await pitches.get(actorOf(c), c.req.valid('param').id), 200))
    .openapi(routes.revoke, async (c) =>
      c.json(await pitches.revoke(actorOf(c), c.req.valid('param').id), 200),
    )
    .openapi(routes.removeRecipient, async (c) => {
      const { id, recipientId } = c.req.valid('param');
      await pitches.removeRecipient(actorOf(c), id, recipientId);
      return c.body(null, 204);
    })
    .openapi(routes.newLink, async (c) => {
      const { id, recipientId } = c.req.valid('param');
      return c.json(await pitches.newLink(actorOf(c), id, recipientId), 200);
    })
    .openapi(routes.resolve, async (c) =>
      c.json(await pitches.resolve(c.req.valid('json'), new Date()), 200),
    );
}
