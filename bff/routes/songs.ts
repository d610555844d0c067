import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SearchParams, SearchResult } from '#services/catalog/routes';
import { CreateSong, Song, UpdateSong } from '#services/catalog/schema';
import type { BffEnv } from '../app.ts';
import { requireRole } from '../auth/middleware.ts';

const SongId = z.object({ id: z.uuid({ error: 'must be a song id (uuid)' }) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const curatorOnly = requireRole('curator', 'admin');

const routes = {
  search: createRoute({
    method: 'get',
    path: '/songs/search',
    tags: ['songs'],
    summary: 'Search the song library as the user types',
    description:
      'Prefix-as-you-type and typo-tolerant search over titles and artists (Featuring credits included), ' +
      'with filters and facet counts. Pass `cursor` from a response to get the next page.',
    request: { query: SearchParams },
    responses: { 200: json(SearchResult, 'Matching songs, best first') },
  }),
  get: createRoute({
    method: 'get',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'One song',
    request: { params: SongId },
    responses: { 200: json(Song, 'The song'), 404: { description: 'No such song' } },
  }),
  create: createRoute({
    method: 'post',
    path: '/songs',
    tags: ['songs'],
    summary: 'Add a song (curators)',
    middleware: curatorOnly,
    request: { body: body(CreateSong) },
    responses: {
      201: json(Song, 'The new song'),
      409: { description: 'Same title and artist already exist' },
    },
  }),
  update: createRoute({
    method: 'patch',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'Change some fields of a song (curators)',
    middleware: curatorOnly,
    request: { params: SongId, body: body(UpdateSong) },
    responses: { 200: json(Song, 'The song as changed') },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'Remove a song from the catalog (curators)',
    middleware: curatorOnly,
    request: { params: SongId },
    responses: { 204: { description: 'Removed' } },
  }),
};

/** Song reads for everyone, writes for curators; the catalog service does the work. */
export function songRoutes() {
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.search, async (c) => {
      const { catalog } = c.var.deps;
      return c.json(await catalog.search(c.var, c.req.valid('query')), 200);
    })
    .openapi(routes.get, async (c) =>
      c.json(await c.var.deps.catalog.get(c.var, c.req.valid('param').id), 200),
    )
    .openapi(routes.create, async (c) =>
      c.json(await c.var.deps.catalog.create(c.var, c.req.valid('json')), 201),
    )
    .openapi(routes.update, async (c) =>
      c.json(await c.var.deps.catalog.update(c.var, c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(routes.remove, async (c) => {
      await c.var.deps.catalog.remove(c.var, c.req.valid('param').id);
      return c.body(null, 204);
    });
}
