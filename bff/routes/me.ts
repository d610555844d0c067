import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { NotFoundError } from '#lib/errors';
import { jsonResponse } from '#lib/openapi';
import { requireAuth, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn, UserSchema } from '../auth/openapi.ts';
import type { Principal } from '../auth/principal.ts';
import { cachedRead } from '../cache/http.ts';
import type { HotRead } from '../cache/kept-answers.ts';
import type { BffEnv } from '../env.ts';
import {
  afterSingerWrite,
  ensureSinger,
  ownSinger,
  readSinger,
  SINGER_CACHE_SECONDS,
} from '../singers/own-singer.ts';
import { loadPart, type Part, partSchema } from './parts.ts';
import { userPlaylistsTag } from './playlists.ts';
import {
  Favourite,
  FavouritesPage,
  FavouritesQuery,
  Performance,
  PlaylistSummary,
  Share,
  Singer,
  UpcomingTurn,
  UpdateSinger,
} from './shapes.ts';

/** How many favourites `/api/me` shows; the rest are a `/api/me/favourites` call away. */
const FAVOURITES_PREVIEW = 5;

/** How many performances `/api/me` shows; the rest are at `/api/singers/{id}/performances`. */
const RECENT_PREVIEW = 5;

/** Upcoming turns change at every turn of a night; every rotation write invalidates them sooner. */
const TURNS_CACHE_SECONDS = 30;

/** How many playlists and shares `/api/me` shows; the rest are at `/api/playlists` and `/api/shares`. */
const PLAYLISTS_PREVIEW = 5;

/**
 * The caller's playlists and shares may change by someone else's write (a member's, a sharer's),
 * which invalidates only the writer's own parts at once: this bounds how late the others' show.
 */
const PLAYLISTS_CACHE_SECONDS = 30;

const PlaylistsSummary = z
  .object({
    count: z.number().int().openapi({ description: 'Your playlists and those you are a member of' }),
    items: z.array(PlaylistSummary).openapi({ description: `The ${PLAYLISTS_PREVIEW} newest` }),
  })
  .openapi('PlaylistsSummary');

const SharedWithMe = z
  .object({
    count: z.number().int().openapi({ description: 'Songs and playlists shared with you' }),
    items: z.array(Share).openapi({ description: `The ${PLAYLISTS_PREVIEW} newest` }),
  })
  .openapi('SharedWithMe');

const FavouritesSummary = z
  .object({
    count: z.number().int().openapi({ description: 'How many favourites the singer has in all' }),
    items: z.array(Favourite).openapi({ description: `The ${FAVOURITES_PREVIEW} newest` }),
  })
  .openapi('FavouritesSummary');

const Me = UserSchema.extend({
  profile: partSchema(Singer, 'ProfilePart'),
  favourites: partSchema(FavouritesSummary, 'FavouritesPart'),
  upcomingTurns: partSchema(z.array(UpcomingTurn), 'UpcomingTurnsPart').openapi({
    description: 'Your turns to come at open karaoke nights, soonest first',
  }),
  recentPerformances: partSchema(z.array(Performance), 'RecentPerformancesPart').openapi({
    description: `Your ${RECENT_PREVIEW} newest performances`,
  }),
  playlists: partSchema(PlaylistsSummary, 'PlaylistsPart'),
  sharedWithMe: partSchema(SharedWithMe, 'SharedWithMePart'),
}).openapi('Me', {
  description:
    'Who is signed in (from the token or session), with the parts of their data that could be loaded: ' +
    'each part is `{status: "ok", data}` or `{status: "unavailable"}`, so one slow or failing service ' +
    'never fails the whole answer.',
});

const SongKey = z.object({ songId: z.uuid({ error: 'must be a song id (uuid)' }) });
const signedInOnly = {
  tags: ['me'],
  security: signedIn,
  middleware: requireAuth(),
};

const routes = {
  me: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/me',
    summary: 'The caller, with their profile and favourites',
    responses: {
      200: jsonResponse(Me, 'The caller; parts that could not be loaded say so'),
      401: authErrorResponses[401],
    },
  }),
  update: createRoute({
    ...signedInOnly,
    method: 'patch',
    path: '/me',
    summary: 'Change your stage name or names',
    request: { body: { content: { 'application/json': { schema: UpdateSinger } }, required: true } },
    responses: { 200: jsonResponse(Singer, 'Your profile as changed'), 401: authErrorResponses[401] },
  }),
  favourites: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/me/favourites',
    summary: 'Your favourite songs, newest first',
    request: { query: FavouritesQuery },
    responses: { 200: jsonResponse(FavouritesPage, 'A page of favourites'), 401: authErrorResponses[401] },
  }),
  addFavourite: createRoute({
    ...signedInOnly,
    method: 'put',
    path: '/me/favourites/{songId}',
    summary: 'Keep a song as a favourite (idempotent)',
    request: { params: SongKey },
    responses: {
      200: jsonResponse(Favourite, 'The favourite (added now or before)'),
      401: authErrorResponses[401],
      404: { description: 'No such song in the catalog' },
    },
  }),
  removeFavourite: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/me/favourites/{songId}',
    summary: 'Stop keeping a song as a favourite (idempotent)',
    request: { params: SongKey },
    responses: { 204: { description: 'Not a favourite (any more)' }, 401: authErrorResponses[401] },
  }),
};

type MeContext = Context<BffEnv>;

/** What a user without a singer yet has. */
const NO_FAVOURITES: z.infer<typeof FavouritesPage> = { items: [], total: 0, cursor: null };

/** Runs a call on the caller's singer; if the singer does not exist yet, creates it and runs the call again. */
async function onOwnSinger<T>(c: MeContext, call: (singerId: string) => Promise<T>): Promise<T> {
  const caller = signedInPrincipal(c);
  try {
    return await call(caller.id);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    await ensureSinger(c, caller);
    return call(caller.id);
  }
}

const ME_PARTS = [
  'profile',
  'favourites',
  'upcomingTurns',
  'recentPerformances',
  'playlists',
  'sharedWithMe',
] as const;

/**
 * `GET /api/me`, kept in memory per caller by the hot-read path, under the tags of all its parts
 * and for no longer than its shortest-lived part; an answer with a part unavailable is not kept.
 */
export const meHotReads: HotRead[] = [
  {
    path: /^\/api\/me$/,
    perCaller: true,
    tags: (_, caller) => [
      cacheTags.singer((caller as Principal).id),
      cacheTags.anyRotation,
      userPlaylistsTag((caller as Principal).id),
    ],
    ttlSeconds: Math.min(SINGER_CACHE_SECONDS, TURNS_CACHE_SECONDS, PLAYLISTS_CACHE_SECONDS),
    isWhole: (body) =>
      ME_PARTS.every((part) => (body as Record<string, Part<unknown>>)[part]?.status === 'ok'),
  },
];

/**
 * `/api/me…`: the caller's own profile and favourites, mounted at `/api`, and `GET /api/me` also
 * with their upcoming turns and recent performances. Ids come only from the principal, never from
 * a path or body; `GET /api/me` also has their playlists and what was shared with them.
 */
export function meRoutes() {
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.me, async (c) => {
      const caller = signedInPrincipal(c);
      const { singers, config, rotations, performances, playlists } = c.get('deps');
      const deadline = config.ME_PART_TIMEOUT_MS;
      const actor = { id: caller.id, roles: caller.roles };
      const ownPlaylists = <T>(what: string, load: () => Promise<{ total: number; items: T[] }>) =>
        cachedRead(
          c,
          `me:${caller.id}:${what}`,
          [userPlaylistsTag(caller.id)],
          async () => {
            const page = await load();
            return { count: page.total, items: page.items };
          },
          { ttlSeconds: PLAYLISTS_CACHE_SECONDS },
        );
      const [profile, favourites, upcomingTurns, recentPerformances, ownLists, shared] = await Promise.all([
        loadPart('profile', deadline, c.get('log'), () => ownSinger(c, caller)),
        loadPart('favourites', deadline, c.get('log'), () =>
          readSinger(c, caller.id, 'favourites', async () => {
            const page = await singers
              .favourites(c.var, caller.id, { limit: FAVOURITES_PREVIEW })
              .catch((error: unknown) => {
                // No singer yet (the profile part is creating it): no favourites either.
                if (error instanceof NotFoundError) return NO_FAVOURITES;
                throw error;
              });
            return { count: page.total, items: page.items };
          }),
        ),
        loadPart('upcomingTurns', deadline, c.get('log'), () =>
          cachedRead(
            c,
            `me:${caller.id}:turns`,
            [cacheTags.anyRotation],
            async () => (await rotations.upcomingTurns(c.var, caller.id)).items,
            { ttlSeconds: TURNS_CACHE_SECONDS },
          ),
        ),
        loadPart('recentPerformances', deadline, c.get('log'), () =>
          readSinger(
            c,
            caller.id,
            'performances',
            async () =>
              (
                await performances.list(c.var, { id: caller.id, roles: caller.roles }, caller.id, {
                  limit: RECENT_PREVIEW,
                })
              ).items,
          ),
        ),
        loadPart('playlists', deadline, c.get('log'), () =>
          ownPlaylists('playlists', () => playlists.list(c.var, actor, { limit: PLAYLISTS_PREVIEW })),
        ),
        loadPart('sharedWithMe', deadline, c.get('log'), () =>
          ownPlaylists('shared', () =>
            playlists.shares(c.var, actor, { direction: 'received', limit: PLAYLISTS_PREVIEW }),
          ),
        ),
      ]);
      c.header('cache-control', 'no-store');
      return c.json(
        {
          id: caller.id,
          name: caller.name ?? null,
          email: caller.email ?? null,
          roles: caller.roles,
          profile,
          favourites,
          upcomingTurns,
          recentPerformances,
          playlists: ownLists,
          sharedWithMe: shared,
        },
        200,
      );
    })
    .openapi(routes.update, async (c) => {
      const patch = c.req.valid('json');
      const singer = await onOwnSinger(c, (id) => c.get('deps').singers.update(c.var, id, patch));
      await afterSingerWrite(c, singer.id);
      c.header('cache-control', 'no-store');
      return c.json(singer, 200);
    })
    .openapi(routes.favourites, async (c) => {
      const caller = signedInPrincipal(c);
      const query = c.req.valid('query');
      const page = await readSinger(c, caller.id, `favourites:${query.limit}:${query.cursor ?? ''}`, () =>
        c
          .get('deps')
          .singers.favourites(c.var, caller.id, query)
          .catch((error: unknown) => {
            if (error instanceof NotFoundError) return NO_FAVOURITES;
            throw error;
          }),
      );
      c.header('cache-control', 'no-store');
      return c.json(page, 200);
    })
    .openapi(routes.addFavourite, async (c) => {
      const { songId } = c.req.valid('param');
      const { catalog, singers } = c.get('deps');
      // Only songs in the catalog: a NotFoundError from the catalog answers 404.
      await catalog.get(c.var, songId);
      const favourite = await onOwnSinger(c, (id) => singers.addFavourite(c.var, id, songId));
      await afterSingerWrite(c, signedInPrincipal(c).id);
      return c.json(favourite, 200);
    })
    .openapi(routes.removeFavourite, async (c) => {
      const caller = signedInPrincipal(c);
      const { songId } = c.req.valid('param');
      // Not checked against the catalog: a song removed from it can still be removed from favourites.
      await c
        .get('deps')
        .singers.removeFavourite(c.var, caller.id, songId)
        .catch((error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
        });
      await afterSingerWrite(c, caller.id);
      return c.body(null, 204);
    });
}
