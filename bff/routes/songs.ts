import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { cacheTags } from '#lib/cache-tags';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { requireRole } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { CACHE_HEADER, cachedRead, invalidateAfterWrite } from '../cache/http.ts';
import type { HotRead } from '../cache/kept-answers.ts';
import type { BffEnv } from '../env.ts';
import { recordUsage, usageActor } from '../usage/middleware.ts';
import { CreateSong, SearchParams, Song, SongSearchResult, UpdateSong } from './shapes.ts';

const SongId = z.object({ id: z.uuid({ error: 'must be a song id (uuid)' }) });
/**
 * Ids are compared in lower case, as the database writes them: cache keys and tags built from an
 * id in upper case would never be invalidated by the changes the catalog announces.
 */
const songIdOf = (param: { id: string }) => param.id.toLowerCase();
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A read answered through the cache: JSON plus `X-Cache`. */
const cachedJson = <T extends z.ZodType>(schema: T, description: string) => ({
  ...jsonResponse(schema, description),
  headers: z.object({
    [CACHE_HEADER]: z.enum(['hit', 'miss', 'bypass']).openapi({
      description: 'hit: from the read cache; miss: loaded, then cached; bypass: read without the cache',
    }),
  }),
});
const curatorOnly = { security: signedIn, middleware: requireRole('curator', 'admin') };
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };

const routes = {
  search: createRoute({
    method: 'get',
    path: '/songs/search',
    tags: ['songs'],
    summary: 'Search the song library as the user types',
    description:
      'Prefix-as-you-type and typo-tolerant search over titles and artists (Featuring credits included), ' +
      'with filters. By default it answers what a search box shows: the songs, a total counted up to ' +
      '100 (`totalExact` says whether it counted every match) and empty facets; `facets=true` adds ' +
      'facet counts and the exact total (a results page). Pass `cursor` from a response to get the ' +
      'next page.',
    request: { query: SearchParams },
    responses: { 200: cachedJson(SongSearchResult, 'Matching songs, best first') },
  }),
  get: createRoute({
    method: 'get',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'One song',
    request: { params: SongId },
    responses: { 200: cachedJson(Song, 'The song'), 404: { description: 'No such song' } },
  }),
  create: createRoute({
    method: 'post',
    path: '/songs',
    tags: ['songs'],
    summary: 'Add a song (curators)',
    ...curatorOnly,
    request: { body: jsonBody(CreateSong) },
    responses: {
      201: jsonResponse(Song, 'The new song'),
      ...guarded,
      409: { description: 'Same title and artist already exist' },
    },
  }),
  update: createRoute({
    method: 'patch',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'Change some fields of a song (curators)',
    ...curatorOnly,
    request: { params: SongId, body: jsonBody(UpdateSong) },
    responses: {
      200: jsonResponse(Song, 'The song as changed'),
      ...guarded,
      409: { description: 'Another song has this title and artist' },
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/songs/{id}',
    tags: ['songs'],
    summary: 'Remove a song from the catalog (curators)',
    ...curatorOnly,
    request: { params: SongId },
    responses: { 204: { description: 'Removed' }, ...guarded },
  }),
};

/**
 * How long reads stay cached. A song is invalidated on every change, so it can stay long. Search
 * results are invalidated on every song change too, but that signal can arrive before the search
 * index shows the change, so their short lifetime bounds how long a result can lag the index.
 */
const SONG_TTL_SECONDS = 300;
const SEARCH_TTL_SECONDS = 2;

/** The cache key of a search: its validated parameters in a fixed order, hashed to a short key. */
function searchKey(query: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.entries(query)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return `songs:search:${createHash('sha256').update(canonical).digest('base64url')}`;
}

/**
 * Song reads for everyone, through the read cache; writes for curators. The catalog service does
 * the work; a write invalidates what it changed before answering, so its author reads it back.
 */
/** `GET /api/songs/{id}`, kept in memory by the hot-read path under the same tag as its cache entry. */
export const songHotReads: HotRead[] = [
  {
    path: new RegExp(`^/api/songs/(${UUID})$`),
    perCaller: false,
    tags: ([id]) => [cacheTags.song(id as string)],
    ttlSeconds: SONG_TTL_SECONDS,
  },
];

export function songRoutes() {
  const songTags = (id: string) => [cacheTags.song(id), cacheTags.songSearch];
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.search, async (c) => {
      const query = c.req.valid('query');
      const started = performance.now();
      // Whether the catalog was asked, known without reading `c.res` (which would build the answer twice).
      let searched = false;
      const result = await cachedRead(
        c,
        searchKey(query),
        [cacheTags.songSearch],
        () => {
          searched = true;
          return c.get('deps').catalog.search(c.var, query);
        },
        { ttlSeconds: SEARCH_TTL_SECONDS },
      );
      // Every search a person made counts, the ones the read cache answered too.
      const { q, limit: _limit, cursor: _cursor, facets: _facets, ...filters } = query;
      recordUsage(c, {
        type: 'search.performed',
        occurredAt: new Date().toISOString(),
        actor: usageActor(c),
        subject: { kind: 'search', id: (q ?? '').slice(0, 200) || '(none)' },
        props: {
          query: (q ?? '').slice(0, 500),
          filters: filters as Record<string, string | number | boolean>,
          resultCount: result.total,
          latencyMs: Math.round(performance.now() - started),
          cached: !searched,
        },
      });
      // The dashboard's zero-result rate reads this line (logs-shipper/kibana/panels.ts).
      c.var.log.info('song search', { 'search.result_count': result.total });
      return c.json(result, 200);
    })
    .openapi(routes.get, async (c) => {
      const id = songIdOf(c.req.valid('param'));
      const song = await cachedRead(
        c,
        `song:${id}`,
        [cacheTags.song(id)],
        () => c.get('deps').catalog.get(c.var, id),
        { ttlSeconds: SONG_TTL_SECONDS },
      );
      return c.json(song, 200);
    })
    .openapi(routes.create, async (c) => {
      const song = await c.get('deps').catalog.create(c.var, c.req.valid('json'));
      await invalidateAfterWrite(c, songTags(song.id));
      return c.json(song, 201);
    })
    .openapi(routes.update, async (c) => {
      const id = songIdOf(c.req.valid('param'));
      const song = await c.get('deps').catalog.update(c.var, id, c.req.valid('json'));
      await invalidateAfterWrite(c, songTags(id));
      return c.json(song, 200);
    })
    .openapi(routes.remove, async (c) => {
      const id = songIdOf(c.req.valid('param'));
      await c.get('deps').catalog.remove(c.var, id);
      await invalidateAfterWrite(c, songTags(id));
      return c.body(null, 204);
    });
}
