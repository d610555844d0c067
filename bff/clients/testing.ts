import { randomUUID } from 'node:crypto';
import { NotFoundError } from '#lib/errors';
import type { CreateSong, Song } from '#services/catalog/contract';
import type { ClaimsProfile, Favourite, Singer } from '#services/singers/contract';
import type { CatalogClient } from './catalog.ts';
import type { PerformancesClient } from './performances.ts';
import type { PitchesClient, PlaylistsClient } from './playlists.ts';
import type { RotationsClient } from './rotations.ts';
import type { SingersClient } from './singers.ts';

/** A song as the catalog service would store these fields: unset fields null, no tags, not explicit. */
export function testSong(fields: CreateSong, id: string, version = 1): Song {
  const at = new Date().toISOString();
  return {
    ...{ album: null, durationMs: null, year: null, genre: null, bpm: null, musicalKey: null },
    ...{ language: null, isrc: null, firstWeek: null, peak: null, weeks: null },
    ...fields,
    explicit: fields.explicit ?? false,
    tags: fields.tags ?? [],
    hasAudio: false,
    ...{ id, version, createdAt: at, updatedAt: at },
  };
}

/** The catalog in memory: it keeps what curators write and counts the songs read. */
export function memoryCatalog(): CatalogClient & { readonly reads: number } {
  const songs = new Map<string, Song>();
  let reads = 0;
  const notFound = (id: string) => Promise.reject(new NotFoundError(`No song with id ${id}.`));
  return {
    search: async () => ({
      items: [],
      total: 0,
      totalExact: true,
      cursor: null,
      facets: { decade: [], genre: [], explicit: [] },
    }),
    get: async (_, id) => {
      reads++;
      return songs.get(id) ?? notFound(id);
    },
    lookup: async (_, ids) => {
      reads++;
      return { songs: ids.flatMap((id) => songs.get(id) ?? []) };
    },
    create: async (_, fields) => {
      const song = testSong(fields, randomUUID());
      songs.set(song.id, song);
      return song;
    },
    update: async (_, id, patch) => {
      const song = songs.get(id);
      if (!song) return notFound(id);
      const updated = { ...song, ...patch, version: song.version + 1 } as Song;
      songs.set(id, updated);
      return updated;
    },
    remove: async (_, id) => {
      if (!songs.delete(id)) await notFound(id);
    },
    // Media needs the bucket: the in-memory catalog has none, as if no song had audio.
    mediaUpload: (_, id) => notFound(id),
    mediaList: async (_, id) => (songs.has(id) ? { items: [] } : notFound(id)),
    mediaRemove: (_, id) => notFound(id),
    mediaStream: (_, id) => notFound(id),
    mediaDownload: (_, id) => notFound(id),
    get reads() {
      return reads;
    },
  };
}

/** A new singer's profile as the singers service would start it, for the plain claims tests send. */
const seedOf = (claims: ClaimsProfile) => ({
  stageName:
    claims.preferredUsername ?? claims.name ?? claims.givenName ?? claims.email?.split('@')[0] ?? 'Singer',
  givenName: claims.givenName ?? null,
  familyName: claims.familyName ?? null,
  email: claims.email ?? null,
});

/**
 * The singers service in memory, for in-process app tests (`app.request()`): the same answers
 * (404 for a missing singer, idempotent writes, newest favourites first) without a database.
 */
export function memorySingers(): SingersClient & { calls: string[] } {
  const singers = new Map<string, Singer>();
  const favourites = new Map<string, Favourite[]>();
  const calls: string[] = [];
  let version = 0;
  const existing = (id: string) => {
    const singer = singers.get(id);
    if (!singer) throw new NotFoundError(`No singer with id ${id}.`);
    return singer;
  };
  const save = (singer: Singer) => {
    const saved = { ...singer, version: ++version, updatedAt: new Date().toISOString() };
    singers.set(singer.id, saved);
    return saved;
  };
  return {
    calls,
    async upsert(_context, id, claims) {
      calls.push(`upsert ${id}`);
      const seed = seedOf(claims);
      const known = singers.get(id);
      if (known && (!seed.email || known.email === seed.email)) return known;
      if (known) return save({ ...known, email: seed.email });
      const now = new Date().toISOString();
      return save({ id, ...seed, version: 0, createdAt: now, updatedAt: now });
    },
    async get(_context, id) {
      calls.push(`get ${id}`);
      return existing(id);
    },
    async update(_context, id, patch) {
      calls.push(`update ${id}`);
      return save({ ...existing(id), ...patch });
    },
    async favourites(_context, id, query) {
      calls.push(`favourites ${id}`);
      existing(id);
      const all = favourites.get(id) ?? [];
      const start = query.cursor ? Number(query.cursor) : 0;
      const limit = query.limit ?? 20;
      const items = all.slice(start, start + limit);
      return {
        items,
        total: all.length,
        cursor: start + limit < all.length ? String(start + limit) : null,
      };
    },
    async addFavourite(_context, id, songId) {
      calls.push(`addFavourite ${id} ${songId}`);
      existing(id);
      const list = favourites.get(id) ?? [];
      const known = list.find((favourite) => favourite.songId === songId);
      if (known) return known;
      const favourite = { songId, addedAt: new Date().toISOString() };
      favourites.set(id, [favourite, ...list]);
      return favourite;
    },
    async removeFavourite(_context, id, songId) {
      calls.push(`removeFavourite ${id} ${songId}`);
      existing(id);
      favourites.set(
        id,
        (favourites.get(id) ?? []).filter((favourite) => favourite.songId !== songId),
      );
    },
  };
}

/**
 * Karaoke nights where the caller waits nowhere and has sung nothing, and no playlists or shares,
 * for in-process app tests of routes that only read `/api/me`'s turn, performance and playlist
 * parts. Writes are not expected.
 */
export function quietNights(): {
  rotations: RotationsClient;
  performances: PerformancesClient;
  playlists: PlaylistsClient;
  pitches: PitchesClient;
} {
  const unused = () => Promise.reject(new Error('not used in this test'));
  return {
    rotations: {
      open: unused,
      get: unused,
      rotation: unused,
      request: unused,
      withdraw: unused,
      changeKey: unused,
      act: unused,
      close: unused,
      upcomingTurns: async () => ({ items: [] }),
    },
    performances: { list: async () => ({ items: [], cursor: null }) },
    // Nor playlists or shares: lists are empty, anything else is not used.
    playlists: {
      create: unused,
      list: async () => ({ items: [], total: 0, cursor: null }),
      get: unused,
      update: unused,
      remove: unused,
      addItem: unused,
      removeItem: unused,
      moveItem: unused,
      setMember: unused,
      removeMember: unused,
      createShare: unused,
      shares: async () => ({ items: [], total: 0, cursor: null }),
      removeShare: unused,
      downloadGrant: async () => false,
    },
    pitches: {
      create: unused,
      list: async () => ({ items: [], cursor: null }),
      get: unused,
      revoke: unused,
      removeRecipient: unused,
      newLink: unused,
      resolve: unused,
    },
  };
}
