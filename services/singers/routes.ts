import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { jsonBody, jsonResponse } from '#lib/openapi';
import type { ServiceEnv } from '#lib/service-app';
import { ClaimsProfile, Favourite, FavouritesPage, FavouritesQuery, Singer, UpdateSinger } from './schema.ts';
import type { SingersService } from './service.ts';

const SingerId = z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) });
const FavouriteKey = SingerId.extend({ songId: z.uuid({ error: 'must be a song id (uuid)' }) });

const routes = {
  upsert: createRoute({
    method: 'put',
    path: '/singers/{id}',
    description:
      'Creates the singer from identity-provider claims, or refreshes it; idempotent (first sign-in, post-confirmation).',
    request: { params: SingerId, body: jsonBody(ClaimsProfile) },
    responses: {
      200: jsonResponse(Singer, 'The singer, already there'),
      201: jsonResponse(Singer, 'The new singer'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/singers/{id}',
    request: { params: SingerId },
    responses: { 200: jsonResponse(Singer, 'The singer') },
  }),
  update: createRoute({
    method: 'patch',
    path: '/singers/{id}',
    request: { params: SingerId, body: jsonBody(UpdateSinger) },
    responses: { 200: jsonResponse(Singer, 'The singer as changed') },
  }),
  favourites: createRoute({
    method: 'get',
    path: '/singers/{id}/favourites',
    request: { params: SingerId, query: FavouritesQuery },
    responses: { 200: jsonResponse(FavouritesPage, 'Favourites, newest first') },
  }),
  addFavourite: createRoute({
    method: 'put',
    path: '/singers/{id}/favourites/{songId}',
    request: { params: FavouriteKey },
    responses: {
      200: jsonResponse(Favourite, 'Already a favourite'),
      201: jsonResponse(Favourite, 'Added'),
    },
  }),
  removeFavourite: createRoute({
    method: 'delete',
    path: '/singers/{id}/favourites/{songId}',
    request: { params: FavouriteKey },
    responses: { 204: { description: 'Not a favourite (any more)' } },
  }),
};

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
