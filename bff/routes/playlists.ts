import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { NotFoundError, UnprocessableContentError } from '#lib/errors';
import { ifMatchHeader, ifNoneMatchHeader } from '#lib/if-match';
import { jsonBody, jsonResponse } from '#lib/openapi';
import type { Song } from '#services/catalog/contract';
import type { Playlist as PlaylistRecord } from '#services/playlists/contract';
import { requireAuth, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { actorOf } from '../auth/principal.ts';
import { CACHE_HEADER, invalidateAfterWrite } from '../cache/http.ts';
import type { CacheOutcome } from '../cache/port.ts';
import type { BffEnv } from '../env.ts';
import {
  AddItem,
  CreatePlaylist,
  MoveItem,
  PlacedItem,
  Playlist,
  PlaylistMember,
  PlaylistsPage,
  PlaylistsQuery,
  SetMember,
  UpdatePlaylist,
} from './shapes.ts';

type PlaylistContext = Context<BffEnv>;

const PlaylistId = z.object({ id: z.uuid({ error: 'must be a playlist id (uuid)' }) });
const ItemKey = PlaylistId.extend({ itemId: z.uuid({ error: 'must be an item id (uuid)' }) });
const MemberKey = PlaylistId.extend({ userId: z.uuid({ error: 'must be a user id (uuid)' }) });
const IfMatch = ifMatchHeader('The playlist ETag you last read; a 412 if the playlist changed since', 200);
const IfNoneMatch = ifNoneMatchHeader('The playlist ETag you last read; a 304 while it is current');
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };
const signedInOnly = { tags: ['playlists'], security: signedIn, middleware: requireAuth() };
const withEtag = (description: string) => ({
  ...jsonResponse(Playlist, description),
  headers: z.object({ etag: z.string().openapi({ description: 'The playlist version, for If-Match' }) }),
});

const routes = {
  create: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/playlists',
    summary: 'Make a playlist',
    request: { body: jsonBody(CreatePlaylist) },
    responses: { 201: withEtag('The new playlist, yours'), ...guarded },
  }),
  list: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/playlists',
    summary: 'Your playlists and those you are a member of, newest first',
    request: { query: PlaylistsQuery },
    responses: { 200: jsonResponse(PlaylistsPage, 'A page of playlists'), ...guarded },
  }),
  get: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/playlists/{id}',
    summary: 'A playlist with its songs in order and its members (owner, members, whom it is shared with)',
    request: { params: PlaylistId, headers: IfNoneMatch },
    responses: {
      200: withEtag('The playlist'),
      304: { description: 'Unchanged since the ETag sent in If-None-Match' },
      ...guarded,
    },
  }),
  update: createRoute({
    ...signedInOnly,
    method: 'patch',
    path: '/playlists/{id}',
    summary: 'Rename a playlist or change its description (owner)',
    request: { params: PlaylistId, headers: IfMatch, body: jsonBody(UpdatePlaylist) },
    responses: {
      200: withEtag('The playlist as changed'),
      ...guarded,
      412: { description: 'Stale If-Match' },
    },
  }),
  remove: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/playlists/{id}',
    summary: 'Delete a playlist, its items, members and shares (owner)',
    request: { params: PlaylistId, headers: IfMatch },
    responses: { 204: { description: 'Deleted' }, ...guarded, 412: { description: 'Stale If-Match' } },
  }),
  addItem: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/playlists/{id}/items',
    summary: 'Add a song (owner, editors); the same song may be there more than once',
    request: { params: PlaylistId, body: jsonBody(AddItem) },
    responses: {
      201: jsonResponse(PlacedItem, 'The new item and where it is'),
      ...guarded,
      409: { description: 'The position is past the end of the list, or the list is full' },
      422: { description: 'No such song in the catalog' },
    },
  }),
  removeItem: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/playlists/{id}/items/{itemId}',
    summary: 'Remove an item (owner, editors)',
    request: { params: ItemKey },
    responses: { 204: { description: 'Removed' }, ...guarded },
  }),
  moveItem: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/playlists/{id}/items/{itemId}/move',
    summary: 'Move an item to another place (owner, editors); no other item changes place',
    request: { params: ItemKey, body: jsonBody(MoveItem) },
    responses: {
      200: jsonResponse(PlacedItem, 'The item where it is now'),
      ...guarded,
      409: { description: 'The position is past the end of the list' },
    },
  }),
  setMember: createRoute({
    ...signedInOnly,
    method: 'put',
    path: '/playlists/{id}/members/{userId}',
    summary: 'Make a user a viewer or an editor, or change their role (owner; idempotent)',
    request: { params: MemberKey, body: jsonBody(SetMember) },
    responses: {
      200: jsonResponse(PlaylistMember, 'The member'),
      ...guarded,
      409: { description: 'The user is the owner, who is no member of their own playlist' },
    },
  }),
  removeMember: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/playlists/{id}/members/{userId}',
    summary: 'Remove a member (owner; idempotent)',
    request: { params: MemberKey },
    responses: { 204: { description: 'Not a member (any more)' }, ...guarded },
  }),
};

/**
 * How long reads stay cached. Every write through the BFF invalidates the playlist's tag before it
 * answers, and so does the cache-invalidator for every change of the playlist row (which each item
 * and member change touches); a song's change invalidates the song data of every playlist holding it.
 */
const PLAYLIST_CACHE_SECONDS = 60;
const SONGS_CACHE_SECONDS = 300;
const etagOf = (version: number) => `"${version}"`;
const playlistTag = (id: string) => cacheTags.entity('playlist', id);
/** The tag of a user's playlists as `/api/me` summarises them. */
export const userPlaylistsTag = (userId: string) => cacheTags.entity('user-playlists', userId);

type SongFacts = Pick<Song, 'title' | 'artist' | 'durationMs' | 'hasAudio'>;

/** What a song is known as in a playlist; a song gone from the catalog is unavailable. */
export const itemView = (song: SongFacts | null) =>
  song
    ? {
        title: song.title,
        artist: song.artist,
        durationMs: song.durationMs,
        hasAudio: song.hasAudio,
        available: true,
      }
    : { title: null, artist: null, durationMs: null, hasAudio: false, available: false };

/** The combined outcome of several cache reads: `hit` only when all hit. */
const combined = (outcomes: CacheOutcome[]): CacheOutcome =>
  outcomes.includes('bypass') ? 'bypass' : outcomes.includes('miss') ? 'miss' : 'hit';

/**
 * A song as the catalog has it, through the same cache entry `GET /api/songs/{id}` uses; null
 * when the catalog has no such song (never cached, so a song that comes back is seen).
 */
async function songFacts(c: PlaylistContext, songId: string): Promise<SongFacts | null> {
  const { cache, catalog } = c.get('deps');
  try {
    const { value } = await cache.getOrLoad(
      `song:${songId}`,
      [cacheTags.song(songId)],
      () => catalog.get(c.var, songId),
      { ttlSeconds: SONGS_CACHE_SECONDS },
    );
    return value;
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/**
 * The catalog's facts of each id, in one lookup call (a playlist holds at most as many songs as a
 * lookup may name); an id the catalog no longer has maps to null, shown as unavailable.
 */
async function songsOf(
  c: PlaylistContext,
  songIds: readonly string[],
): Promise<Record<string, SongFacts | null>> {
  const facts: Record<string, SongFacts | null> = Object.fromEntries(songIds.map((id) => [id, null]));
  if (songIds.length === 0) return facts;
  const { songs } = await c.get('deps').catalog.lookup(c.var, songIds);
  for (const song of songs) facts[song.id] = itemFacts(song);
  return facts;
}

const itemFacts = ({ title, artist, durationMs, hasAudio }: SongFacts): SongFacts => ({
  title,
  artist,
  durationMs,
  hasAudio,
});

/**
 * A playlist as the caller may see it, with its songs as the catalog has them now. Two cache
 * entries: the service's answer for this caller (the service decides who may read it, and a
 * refusal is never cached), filed under the playlist's tag; and the song facts of that version of
 * the playlist, shared by every reader and filed under each song's tag, so a song's change or
 * removal shows in every playlist holding it.
 */
async function readPlaylist(c: PlaylistContext, id: string) {
  const caller = signedInPrincipal(c);
  const { cache, playlists } = c.get('deps');
  const record = await cache.getOrLoad(
    `playlist:${id}:for:${caller.id}`,
    [playlistTag(id)],
    () => playlists.get(c.var, actorOf(caller), id),
    { ttlSeconds: PLAYLIST_CACHE_SECONDS },
  );
  const playlist: PlaylistRecord = record.value;
  const songIds = [...new Set(playlist.items.map((item) => item.songId))];
  const songs = await cache.getOrLoad(
    `playlist:${id}:songs:${playlist.version}`,
    songIds.map((songId) => cacheTags.song(songId)),
    () => songsOf(c, songIds),
    { ttlSeconds: SONGS_CACHE_SECONDS },
  );
  c.header(CACHE_HEADER, combined([record.outcome, songs.outcome]));
  const { items, ...rest } = playlist;
  return {
    ...rest,
    items: items.map((item) => ({ ...item, ...itemView(songs.value[item.songId] ?? null) })),
  };
}

/** A write to a playlist: its readers, and the writer's `/api/me`, see it at once. */
async function afterPlaylistWrite(c: PlaylistContext, id: string, ...users: string[]) {
  const caller = signedInPrincipal(c);
  await invalidateAfterWrite(c, [
    playlistTag(id),
    ...[caller.id, ...users].map((user) => userPlaylistsTag(user)),
  ]);
}

/** A song for an item: it must be in the catalog now. */
async function songToAdd(c: PlaylistContext, songId: string): Promise<SongFacts> {
  const song = await songFacts(c, songId);
  if (!song) {
    throw new UnprocessableContentError('No such song in the catalog.', {
      details: { issues: [{ path: 'songId', message: 'no such song' }] },
    });
  }
  return song;
}

/** `/api/playlists…`, mounted at `/api`: the service decides per playlist who may do what. */
export function playlistRoutes() {
  const actor = (c: PlaylistContext) => actorOf(signedInPrincipal(c));
  const respond = (c: PlaylistContext, playlist: { version: number }) => {
    c.header('etag', etagOf(playlist.version));
    c.header('cache-control', 'no-store');
  };
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.create, async (c) => {
      const playlist = await c.get('deps').playlists.create(c.var, actor(c), c.req.valid('json'));
      await afterPlaylistWrite(c, playlist.id);
      respond(c, playlist);
      return c.json({ ...playlist, items: [] }, 201);
    })
    .openapi(routes.list, async (c) => {
      const page = await c.get('deps').playlists.list(c.var, actor(c), c.req.valid('query'));
      c.header('cache-control', 'no-store');
      return c.json(page, 200);
    })
    .openapi(routes.get, async (c) => {
      const id = c.req.valid('param').id.toLowerCase();
      const playlist = await readPlaylist(c, id);
      respond(c, playlist);
      const sent = c.req.valid('header')['if-none-match'];
      if (sent?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etagOf(playlist.version))) {
        return c.body(null, 304);
      }
      return c.json(playlist, 200);
    })
    .openapi(routes.update, async (c) => {
      const id = c.req.valid('param').id.toLowerCase();
      const ifMatch = c.req.valid('header')['if-match'];
      await c.get('deps').playlists.update(c.var, actor(c), id, c.req.valid('json'), ifMatch);
      await afterPlaylistWrite(c, id);
      const playlist = await readPlaylist(c, id);
      respond(c, playlist);
      return c.json(playlist, 200);
    })
    .openapi(routes.remove, async (c) => {
      const id = c.req.valid('param').id.toLowerCase();
      await c.get('deps').playlists.remove(c.var, actor(c), id, c.req.valid('header')['if-match']);
      await afterPlaylistWrite(c, id);
      return c.body(null, 204);
    })
    .openapi(routes.addItem, async (c) => {
      const id = c.req.valid('param').id.toLowerCase();
      const body = c.req.valid('json');
      const songId = body.songId.toLowerCase();
      const song = await songToAdd(c, songId);
      const placed = await c.get('deps').playlists.addItem(c.var, actor(c), id, { ...body, songId });
      await afterPlaylistWrite(c, id);
      c.header('cache-control', 'no-store');
      return c.json({ ...placed, ...itemView(song) }, 201);
    })
    .openapi(routes.removeItem, async (c) => {
      const { id, itemId } = c.req.valid('param');
      await c.get('deps').playlists.removeItem(c.var, actor(c), id.toLowerCase(), itemId.toLowerCase());
      await afterPlaylistWrite(c, id.toLowerCase());
      return c.body(null, 204);
    })
    .openapi(routes.moveItem, async (c) => {
      const { id, itemId } = c.req.valid('param');
      const playlistId = id.toLowerCase();
      const placed = await c
        .get('deps')
        .playlists.moveItem(c.var, actor(c), playlistId, itemId.toLowerCase(), c.req.valid('json'));
      await afterPlaylistWrite(c, playlistId);
      c.header('cache-control', 'no-store');
      return c.json({ ...placed, ...itemView(await songFacts(c, placed.songId)) }, 200);
    })
    .openapi(routes.setMember, async (c) => {
      const { id, userId } = c.req.valid('param');
      const member = await c
        .get('deps')
        .playlists.setMember(c.var, actor(c), id.toLowerCase(), userId.toLowerCase(), c.req.valid('json'));
      await afterPlaylistWrite(c, id.toLowerCase(), member.userId);
      return c.json(member, 200);
    })
    .openapi(routes.removeMember, async (c) => {
      const { id, userId } = c.req.valid('param');
      await c.get('deps').playlists.removeMember(c.var, actor(c), id.toLowerCase(), userId.toLowerCase());
      await afterPlaylistWrite(c, id.toLowerCase(), userId.toLowerCase());
      return c.body(null, 204);
    });
}
