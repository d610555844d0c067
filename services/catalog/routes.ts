import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { jsonResponse } from '#lib/openapi';
import type { ServiceEnv } from '#lib/service-app';
import { CreateSong, Song, UpdateSong } from './schema.ts';
import type { CatalogService } from './service.ts';

const SongId = z.object({ id: z.uuid({ error: 'must be a song id (uuid)' }) });

const optionalInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

/** Query string of a search, as the search box sends it. Long input is cut, never refused. */
export const SearchParams = z.object({
  q: z
    .string()
    .optional()
    .transform((q) => (q ?? '').slice(0, 200)),
  limit: z.coerce.number().int().min(1).max(50, 'at most 50 results per page').default(20),
  cursor: z.string().max(2000).optional(),
  decade: z.coerce
    .number()
    .int()
    .min(1900)
    .max(2090)
    .refine((year) => year % 10 === 0, 'a decade like 1990')
    .optional(),
  genre: z.string().trim().min(1).max(60).optional(),
  minDurationMs: optionalInt(0, 3_600_000),
  maxDurationMs: optionalInt(0, 3_600_000),
  minBpm: optionalInt(0, 400),
  maxBpm: optionalInt(0, 400),
  key: z.string().max(4).optional(),
  explicit: z.enum(['true', 'false']).optional(),
});

const FacetCount = z.object({ value: z.string(), count: z.number().int() });
export const SearchResult = z
  .object({
    items: z.array(
      Song.pick({
        id: true,
        title: true,
        artist: true,
        year: true,
        genre: true,
        durationMs: true,
        explicit: true,
        version: true,
      }),
    ),
    total: z.number().int(),
    cursor: z.string().nullable(),
    facets: z
      .object({
        decade: z.array(FacetCount),
        genre: z.array(FacetCount),
        explicit: z.array(FacetCount),
      })
      .openapi({
        description:
          'Song counts per value. Each facet counts under every other filter but its own, so a search ' +
          'filtered to one decade still says how many songs the other decades would give.',
      }),
  })
  .openapi('SongSearchResult');

const ImportBatch = z.object({ songs: z.array(CreateSong).min(1).max(1000) });
const ImportResult = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
});

const routes = {
  search: createRoute({
    method: 'get',
    path: '/songs/search',
    request: { query: SearchParams },
    responses: { 200: jsonResponse(SearchResult, 'Matching songs') },
  }),
  get: createRoute({
    method: 'get',
    path: '/songs/{id}',
    request: { params: SongId },
    responses: { 200: jsonResponse(Song, 'The song') },
  }),
  create: createRoute({
    method: 'post',
    path: '/songs',
    request: { body: { content: { 'application/json': { schema: CreateSong } }, required: true } },
    responses: { 201: jsonResponse(Song, 'The new song') },
  }),
  update: createRoute({
    method: 'patch',
    path: '/songs/{id}',
    request: {
      params: SongId,
      body: { content: { 'application/json': { schema: UpdateSong } }, required: true },
    },
    responses: { 200: jsonResponse(Song, 'The song as changed') },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/songs/{id}',
    request: { params: SongId },
    responses: { 204: { description: 'Deleted' } },
  }),
  import: createRoute({
    method: 'post',
    path: '/songs/import',
    request: { body: { content: { 'application/json': { schema: ImportBatch } }, required: true } },
    responses: { 200: jsonResponse(ImportResult, 'What the batch changed') },
  }),
};

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
      });
      return c.json(result, 200);
    })
    .openapi(routes.get, async (c) => c.json(await catalog.get(c.req.valid('param').id), 200))
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
