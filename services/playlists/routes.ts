import type { OpenAPIHono } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import { parseIfMatch } from '#lib/if-match';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from './contract.ts';
import type { PlaylistsService } from './service.ts';

export function playlistRoutes(app: OpenAPIHono<ServiceEnv>, playlists: PlaylistsService) {
  return app
    .openapi(routes.create, async (c) => c.json(await playlists.create(actorOf(c), c.req.valid('json')), 201))
    .openapi(routes.list, async (c) => c.json(await playlists.list(actorOf(c), c.req.valid('query')), 200))
    .openapi(routes.get, async (c) => c.json(await playlists.get(actorOf(c), c.req.valid('param').id), 200))
    .openapi(routes.update, async (c) => {
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      const { id } = c.req.valid('param');
      return c.json(await playlists.update(actorOf(c), id, c.req.valid('json'), ifMatch), 200);
    })
    .openapi(routes.remove, async (c) => {
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      await playlists.remove(actorOf(c), c.req.valid('param').id, ifMatch);
      return c.body(null, 204);
    })
    .openapi(routes.addItem, async (c) =>
      c.json(await playlists.addItem(actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
    )
    .openapi(routes.removeItem, async (c) => {
      const { id, itemId } = c.req.valid('param');
      await playlists.removeItem(actorOf(c), id, itemId);
      return c.body(null, 204);
    })
    .openapi(routes.moveItem, async (c) => {
      const { id, itemId } = c.req.valid('param');
      return c.json(await playlists.moveItem(actorOf(c), id, itemId, c.req.valid('json').position), 200);
    })
    .openapi(routes.setMember, async (c) => {
      const { id, userId } = c.req.valid('param');
      const { member, created } = await playlists.setMember(actorOf(c), id, userId, c.req.valid('json').role);
      return created ? c.json(member, 201) : c.json(member, 200);
    })
    .openapi(routes.removeMember, async (c) => {
      const { id, userId } = c.req.valid('param');
      await playlists.removeMember(actorOf(c), id, userId);
      return c.body(null, 204);
    })
    .openapi(routes.createShare, async (c) =>
      c.json(await playlists.createShare(actorOf(c), c.req.valid('json')), 201),
    )
    .openapi(routes.listShares, async (c) =>
      c.json(await playlists.shares(actorOf(c), c.req.valid('query')), 200),
    )
    .openapi(routes.removeShare, async (c) =>
      c.json(await playlists.removeShare(actorOf(c), c.req.valid('param').id), 200),
    )
    .openapi(routes.downloadGrant, async (c) => {
      const { userId, songId } = c.req.valid('param');
      return c.json({ allowed: await playlists.downloadGrant(userId, songId) }, 200);
    });
}
