import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '#bff/app';
import { loadBffConfig } from '#bff/config';
import type { BffDeps } from '#bff/env';
import type { WebManifest } from '#bff/routes/web';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { HeadlessBrowser, issueLocalAccessToken, signInAtLocalProvider } from '#scripts/token';
import { WEB_OUT } from '#scripts/web-build';
import { freePort } from '../support/child.ts';
import {
  CALLERS,
  type Caller,
  type Client,
  documentedRoutes,
  type Expectations,
  type OpenApiPaths,
  probe,
  type Row,
  registeredRoutes,
  routeOf,
  routeSet,
  rowName,
} from '../support/route-matrix.ts';

/**
 * Who may call what, for every route of the BFF, checked over HTTP on the local stack. The table
 * below is the one place that says it; the first tests fail when the app has a route the table
 * lacks, or the table names a route the app does not have.
 */

/** The demo user each caller signs in as; anonymous sends no credentials. */
const DEMO_USER: Record<Exclude<Caller, 'anonymous'>, string> = {
  singer: 'singer1',
  curator: 'curator',
  kj: 'kj',
  admin: 'admin',
};
const idOf = (username: string) => {
  const user = DEMO_USERS.find((demo) => demo.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user.sub;
};

const EVERYONE: Expectations = {
  anonymous: 'allowed',
  singer: 'allowed',
  curator: 'allowed',
  kj: 'allowed',
  admin: 'allowed',
};
const SIGNED_IN: Expectations = {
  anonymous: 401,
  singer: 'allowed',
  curator: 'allowed',
  kj: 'allowed',
  admin: 'allowed',
};
const CURATORS: Expectations = { anonymous: 401, singer: 403, curator: 'allowed', kj: 403, admin: 'allowed' };
const KJS: Expectations = { anonymous: 401, singer: 403, curator: 403, kj: 'allowed', admin: 'allowed' };
const ADMIN_ONLY: Expectations = { anonymous: 401, singer: 403, curator: 403, kj: 403, admin: 'allowed' };
const NOBODY: Expectations = { anonymous: 401, singer: 401, curator: 401, kj: 401, admin: 401 };
/**
 * The playlist fixture's people: the demo KJ owns it, the curator is its editor, singer1 its
 * viewer, and the admin is anyone else (an admin has no say over other people's playlists).
 */
const PLAYLIST_OWNER: Expectations = { anonymous: 401, singer: 403, curator: 403, kj: 'allowed', admin: 403 };
const PLAYLIST_EDITORS: Expectations = {
  anonymous: 401,
  singer: 403,
  curator: 'allowed',
  kj: 'allowed',
  admin: 403,
};
const PLAYLIST_READERS: Expectations = {
  anonymous: 401,
  singer: 'allowed',
  curator: 'allowed',
  kj: 'allowed',
  admin: 403,
};
/** A share the demo KJ made to singer1: either side may remove it. */
const SHARE_SIDES: Expectations = {
  anonymous: 401,
  singer: 'allowed',
  curator: 403,
  kj: 'allowed',
  admin: 403,
};

/** What rows build their requests from; exists once the server runs. */
interface Fixtures {
  /** A song of this run that stays for the whole file. */
  songId: string;
  /**
   * Nights of this run that stay open for the whole file: `kj` and `publicKj` run by the demo KJ
   * (the second on public display), `admin` run by the admin, so the demo KJ is not its KJ.
   */
  nights: { kj: string; publicKj: string; admin: string };
  /** A new song of this run, for a row that may delete it. */
  newSong(): Promise<string>;
  /** A new night of this run, for a row that may close it. */
  newNight(runBy: 'kj' | 'admin'): Promise<string>;
  /** A new request for a walk-in guest at the demo KJ's night: nobody's own request. */
  newGuestRequest(): Promise<string>;
  /** Remembers what a row created, to remove or close it at the end. */
  created(what: { songId: string } | { eventId: string }): void;
  /** A name no other test or run uses. */
  title(purpose: string): string;
  /** The demo KJ's playlist of this run (see PLAYLIST_OWNER), with one item that stays. */
  playlist: { id: string; itemId: string };
  /** A new playlist of the demo KJ's, for a row that may delete it. */
  newPlaylist(): Promise<string>;
  /** A new item in the KJ's playlist, for a row that may remove it. */
  newItem(): Promise<string>;
  /** A new share of the fixture song, from the demo KJ to singer1, for a row that may remove it. */
  newShare(): Promise<string>;
  /** A new pitch of the KJ's playlist to one recipient: a pitch is its sender's alone. */
  newPitch(): Promise<{ id: string; recipientId: string }>;
}

type MatrixRow = Row<Fixtures>;

const json = (response: Response) => response.json() as Promise<Record<string, unknown>>;
const theSong = ({ fixtures }: { fixtures: Fixtures }) => ({ id: fixtures.songId });
const night =
  (which: keyof Fixtures['nights']) =>
  ({ fixtures }: { fixtures: Fixtures }) => ({ id: fixtures.nights[which] });
const thePlaylist = ({ fixtures }: { fixtures: Fixtures }) => ({ id: fixtures.playlist.id });
/** A song request the caller makes on the demo KJ's night, as the row's caller. */
const callersOwnRequest: NonNullable<MatrixRow['params']> = async ({ fixtures, as }) => {
  const eventId = fixtures.nights.kj;
  const made = await as(`/api/events/${eventId}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ songId: fixtures.songId }),
  });
  // A caller who cannot request (anonymous) has no request of their own: any id will do.
  const requestId = made.status === 201 ? String((await json(made)).requestId) : randomUUID();
  return { id: eventId, requestId };
};
const PRIVATE = 'a night not on public display';
const PUBLIC = 'a night on public display';
const KJS_NIGHT = "the demo KJ's night";
const ADMINS_NIGHT = 'a night the admin runs, not the demo KJ';

/** A rotation action on one night: the demo KJ and the admin may act on the KJ's, only the admin on theirs. */
const rotationRows = (action: 'advance' | 'skip' | 'move'): MatrixRow[] => {
  const body = action === 'move' ? () => ({ singerId: idOf(DEMO_USER.singer), position: 0 }) : undefined;
  const path = `/api/events/{id}/rotation/${action}`;
  return [
    { method: 'POST', path, variant: KJS_NIGHT, expect: KJS, params: night('kj'), ...(body && { body }) },
    {
      method: 'POST',
      path,
      variant: ADMINS_NIGHT,
      expect: ADMIN_ONLY,
      params: night('admin'),
      ...(body && { body }),
    },
  ];
};

/**
 * Every route of the BFF. Writes stay harmless: throwaway songs and nights (removed or closed at
 * the end), a profile patched to what it was, requests at this run's own nights.
 */
const ROWS: readonly MatrixRow[] = [
  { method: 'GET', path: '/api/health', expect: EVERYONE },
  { method: 'GET', path: '/api/openapi.json', expect: EVERYONE },
  { method: 'GET', path: '/api/docs', expect: EVERYONE },
  { method: 'GET', path: '/api/docs/assets/init.js', expect: EVERYONE },
  {
    method: 'GET',
    path: '/api/docs/assets/{file}',
    expect: EVERYONE,
    params: () => ({ file: 'swagger-ui.css' }),
  },

  { method: 'GET', path: '/api/songs/search', expect: EVERYONE },
  { method: 'GET', path: '/api/songs/{id}', expect: EVERYONE, params: theSong },
  {
    method: 'POST',
    path: '/api/songs',
    expect: CURATORS,
    body: ({ fixtures }) => ({ title: fixtures.title('song'), artist: 'The Placeholders' }),
    after: async (response, fixtures) => {
      if (response.status === 201) fixtures.created({ songId: String((await json(response)).id) });
    },
  },
  {
    method: 'PATCH',
    path: '/api/songs/{id}',
    expect: CURATORS,
    params: theSong,
    body: () => ({ tags: ['authorization-matrix'] }),
  },
  {
    method: 'DELETE',
    path: '/api/songs/{id}',
    expect: CURATORS,
    params: async ({ fixtures }) => ({ id: await fixtures.newSong() }),
  },

  {
    method: 'POST',
    path: '/api/songs/{id}/media/uploads',
    expect: CURATORS,
    params: theSong,
    body: () => ({ fileName: 'matrix.mp3', contentType: 'audio/mpeg', sizeBytes: 1000 }),
  },
  { method: 'GET', path: '/api/songs/{id}/media', expect: EVERYONE, params: theSong },
  {
    method: 'DELETE',
    path: '/api/songs/{id}/media/{mediaId}',
    expect: CURATORS,
    // No such media: an allowed caller gets the 404.
    params: ({ fixtures }) => ({ id: fixtures.songId, mediaId: randomUUID() }),
  },
  // The song has no audio: an allowed caller gets the 404, others are refused before.
  { method: 'GET', path: '/api/songs/{id}/media/stream', expect: SIGNED_IN, params: theSong },
  { method: 'GET', path: '/api/songs/{id}/media/download', expect: CURATORS, params: theSong },

  { method: 'GET', path: '/api/me', expect: SIGNED_IN },
  {
    method: 'PATCH',
    path: '/api/me',
    expect: SIGNED_IN,
    // The stage name the caller already has: a real write that changes nothing other tests see.
    body: async ({ as }) => {
      const me = await as('/api/me');
      const profile = me.ok ? ((await json(me)).profile as { data?: { stageName: string } }) : {};
      return { stageName: profile.data?.stageName ?? 'Matrix Probe' };
    },
  },
  { method: 'GET', path: '/api/me/favourites', expect: SIGNED_IN },
  {
    method: 'PUT',
    path: '/api/me/favourites/{songId}',
    expect: SIGNED_IN,
    params: ({ fixtures }) => ({ songId: fixtures.songId }),
  },
  {
    method: 'DELETE',
    path: '/api/me/favourites/{songId}',
    expect: SIGNED_IN,
    params: ({ fixtures }) => ({ songId: fixtures.songId }),
  },

  {
    method: 'POST',
    path: '/api/events',
    expect: KJS,
    body: ({ fixtures }) => ({ name: fixtures.title('night') }),
    after: async (response, fixtures) => {
      if (response.status === 201) fixtures.created({ eventId: String((await json(response)).id) });
    },
  },
  { method: 'GET', path: '/api/events/{id}', variant: PRIVATE, expect: SIGNED_IN, params: night('kj') },
  { method: 'GET', path: '/api/events/{id}', variant: PUBLIC, expect: EVERYONE, params: night('publicKj') },
  {
    method: 'POST',
    path: '/api/events/{id}/close',
    variant: KJS_NIGHT,
    expect: KJS,
    params: async ({ fixtures }) => ({ id: await fixtures.newNight('kj') }),
  },
  {
    method: 'POST',
    path: '/api/events/{id}/close',
    variant: ADMINS_NIGHT,
    expect: ADMIN_ONLY,
    params: async ({ fixtures }) => ({ id: await fixtures.newNight('admin') }),
  },
  {
    method: 'POST',
    path: '/api/events/{id}/requests',
    variant: 'for oneself',
    expect: SIGNED_IN,
    params: night('kj'),
    body: ({ fixtures }) => ({ songId: fixtures.songId }),
  },
  {
    method: 'POST',
    path: '/api/events/{id}/requests',
    variant: `for a walk-in guest at ${KJS_NIGHT}`,
    expect: KJS,
    params: night('kj'),
    body: ({ fixtures }) => ({ songId: fixtures.songId, guestName: 'Walk-in Guest' }),
  },
  {
    method: 'POST',
    path: '/api/events/{id}/requests',
    variant: `for a walk-in guest at ${ADMINS_NIGHT}`,
    expect: ADMIN_ONLY,
    params: night('admin'),
    body: ({ fixtures }) => ({ songId: fixtures.songId, guestName: 'Walk-in Guest' }),
  },
  {
    method: 'DELETE',
    path: '/api/events/{id}/requests/{requestId}',
    variant: "the caller's own request",
    expect: SIGNED_IN,
    params: callersOwnRequest,
  },
  {
    method: 'DELETE',
    path: '/api/events/{id}/requests/{requestId}',
    variant: "someone else's request",
    expect: KJS,
    params: async ({ fixtures }) => ({ id: fixtures.nights.kj, requestId: await fixtures.newGuestRequest() }),
  },
  {
    method: 'PATCH',
    path: '/api/events/{id}/requests/{requestId}',
    variant: "the caller's own request",
    expect: SIGNED_IN,
    params: callersOwnRequest,
    body: () => ({ keyChange: 1 }),
  },
  {
    method: 'PATCH',
    path: '/api/events/{id}/requests/{requestId}',
    variant: "someone else's request",
    expect: KJS,
    params: async ({ fixtures }) => ({ id: fixtures.nights.kj, requestId: await fixtures.newGuestRequest() }),
    body: () => ({ keyChange: -1 }),
  },
  {
    method: 'GET',
    path: '/api/events/{id}/rotation',
    variant: PRIVATE,
    expect: SIGNED_IN,
    params: night('kj'),
  },
  {
    method: 'GET',
    path: '/api/events/{id}/rotation',
    variant: PUBLIC,
    expect: EVERYONE,
    params: night('publicKj'),
  },
  ...rotationRows('advance'),
  ...rotationRows('skip'),
  ...rotationRows('move'),
  {
    method: 'GET',
    path: '/api/singers/{id}/performances',
    variant: "the caller's own",
    expect: SIGNED_IN,
    params: ({ caller }) => ({ id: idOf(caller === 'anonymous' ? DEMO_USER.singer : DEMO_USER[caller]) }),
  },
  {
    method: 'GET',
    path: '/api/singers/{id}/performances',
    // A KJ sees the performances at the nights they ran.
    variant: "another singer's",
    expect: KJS,
    params: () => ({ id: idOf('singer2') }),
  },

  { method: 'POST', path: '/api/playlists', expect: SIGNED_IN, body: () => ({ name: 'Matrix playlist' }) },
  { method: 'GET', path: '/api/playlists', expect: SIGNED_IN },
  { method: 'GET', path: '/api/playlists/{id}', expect: PLAYLIST_READERS, params: thePlaylist },
  {
    method: 'PATCH',
    path: '/api/playlists/{id}',
    expect: PLAYLIST_OWNER,
    params: thePlaylist,
    body: () => ({ name: 'Matrix playlist' }),
  },
  {
    method: 'DELETE',
    path: '/api/playlists/{id}',
    expect: PLAYLIST_OWNER,
    params: async ({ fixtures }) => ({ id: await fixtures.newPlaylist() }),
  },
  {
    method: 'POST',
    path: '/api/playlists/{id}/items',
    expect: PLAYLIST_EDITORS,
    params: thePlaylist,
    body: ({ fixtures }) => ({ songId: fixtures.songId }),
  },
  {
    method: 'DELETE',
    path: '/api/playlists/{id}/items/{itemId}',
    expect: PLAYLIST_EDITORS,
    params: async ({ fixtures }) => ({ id: fixtures.playlist.id, itemId: await fixtures.newItem() }),
  },
  {
    method: 'POST',
    path: '/api/playlists/{id}/items/{itemId}/move',
    expect: PLAYLIST_EDITORS,
    params: ({ fixtures }) => ({ id: fixtures.playlist.id, itemId: fixtures.playlist.itemId }),
    body: () => ({ position: 0 }),
  },
  {
    method: 'PUT',
    path: '/api/playlists/{id}/members/{userId}',
    expect: PLAYLIST_OWNER,
    params: ({ fixtures }) => ({ id: fixtures.playlist.id, userId: idOf('singer2') }),
    body: () => ({ role: 'viewer' }),
  },
  {
    method: 'DELETE',
    path: '/api/playlists/{id}/members/{userId}',
    expect: PLAYLIST_OWNER,
    params: ({ fixtures }) => ({ id: fixtures.playlist.id, userId: idOf('singer3') }),
  },
  {
    method: 'POST',
    path: '/api/shares',
    variant: 'a song, to stream',
    expect: SIGNED_IN,
    body: ({ fixtures }) => ({ songId: fixtures.songId, userId: idOf('singer2'), permission: 'stream' }),
  },
  {
    method: 'POST',
    path: '/api/shares',
    variant: 'a song, to download',
    expect: CURATORS,
    body: ({ fixtures }) => ({ songId: fixtures.songId, userId: idOf('singer2'), permission: 'download' }),
  },
  {
    method: 'POST',
    path: '/api/shares',
    variant: "the demo KJ's playlist",
    expect: PLAYLIST_OWNER,
    body: ({ fixtures }) => ({
      playlistId: fixtures.playlist.id,
      userId: idOf('singer2'),
      permission: 'stream',
    }),
  },
  { method: 'GET', path: '/api/shares', expect: SIGNED_IN },
  {
    method: 'POST',
    path: '/api/pitches',
    expect: PLAYLIST_OWNER,
    body: ({ fixtures }) => ({
      playlistId: fixtures.playlist.id,
      recipients: [{ email: 'supervisor@agency.test' }],
      allowDownload: false,
    }),
  },
  { method: 'GET', path: '/api/pitches', expect: SIGNED_IN },
  {
    method: 'GET',
    path: '/api/pitches/{id}',
    expect: PLAYLIST_OWNER,
    params: async ({ fixtures }) => ({ id: (await fixtures.newPitch()).id }),
  },
  {
    method: 'POST',
    path: '/api/pitches/{id}/revoke',
    expect: PLAYLIST_OWNER,
    params: async ({ fixtures }) => ({ id: (await fixtures.newPitch()).id }),
  },
  {
    method: 'DELETE',
    path: '/api/pitches/{id}/recipients/{recipientId}',
    expect: PLAYLIST_OWNER,
    params: ({ fixtures }) => fixtures.newPitch(),
  },
  {
    method: 'POST',
    path: '/api/pitches/{id}/recipients/{recipientId}/link',
    expect: PLAYLIST_OWNER,
    params: ({ fixtures }) => fixtures.newPitch(),
  },
  {
    method: 'DELETE',
    path: '/api/shares/{id}',
    expect: SHARE_SIDES,
    params: async ({ fixtures }) => ({ id: await fixtures.newShare() }),
  },

  // The front end's pages and assets: every page is open, the API decides what its data shows.
  { method: 'GET', path: '/', expect: EVERYONE },
  { method: 'GET', path: '/songs/{id}', expect: EVERYONE, params: theSong },
  { method: 'GET', path: '/kj', expect: EVERYONE },
  { method: 'GET', path: '/events/{id}', expect: EVERYONE, params: night('kj') },
  { method: 'GET', path: '/events/{id}/kj', expect: EVERYONE, params: night('kj') },
  { method: 'GET', path: '/events/{id}/display', expect: EVERYONE, params: night('kj') },
  { method: 'GET', path: '/library/upload', expect: EVERYONE },
  { method: 'GET', path: '/library/playlists', expect: EVERYONE },
  { method: 'GET', path: '/library/playlists/{id}', expect: EVERYONE, params: () => ({ id: randomUUID() }) },
  { method: 'GET', path: '/library/shared', expect: EVERYONE },
  { method: 'GET', path: '/assets/{file}', expect: EVERYONE, params: () => ({ file: builtAsset() }) },

  // A pitch recipient's pages: no account, the link's token is the credential (an unknown one: 404).
  { method: 'GET', path: '/p/{token}', expect: EVERYONE, params: aPitchToken },
  { method: 'POST', path: '/p/{token}/unlock', expect: EVERYONE, params: aPitchToken },
  {
    method: 'GET',
    path: '/p/{token}/tracks/{songId}/stream',
    expect: EVERYONE,
    params: () => ({ ...aPitchToken(), songId: randomUUID() }),
  },
  {
    method: 'GET',
    path: '/p/{token}/tracks/{songId}/download',
    expect: EVERYONE,
    params: () => ({ ...aPitchToken(), songId: randomUUID() }),
  },

  // A user nobody signs in as: the row checks who may end sessions, without ending the callers' own.
  {
    method: 'DELETE',
    path: '/api/admin/users/{userId}/sessions',
    expect: ADMIN_ONLY,
    params: () => ({ userId: randomUUID() }),
  },

  { method: 'GET', path: '/auth/login', expect: EVERYONE },
  // Public, but it answers only the browser that started at /auth/login: a token gets nobody in.
  { method: 'GET', path: '/auth/callback', expect: NOBODY },
  { method: 'POST', path: '/auth/logout', expect: EVERYONE },
  { method: 'GET', path: '/auth/session', expect: SIGNED_IN },
];

/** Served by the app but not described in its OpenAPI document. */
const UNDOCUMENTED_ROUTES = [
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs/assets/init.js',
  'GET /api/docs/assets/{file}',
  'GET /',
  'GET /songs/{id}',
  'GET /kj',
  'GET /events/{id}',
  'GET /events/{id}/kj',
  'GET /events/{id}/display',
  'GET /library/upload',
  'GET /library/playlists',
  'GET /library/playlists/{id}',
  'GET /library/shared',
  'GET /assets/{file}',
  'GET /p/{token}',
  'POST /p/{token}/unlock',
  'GET /p/{token}/tracks/{songId}/stream',
  'GET /p/{token}/tracks/{songId}/download',
];

/** A token shaped like a pitch link's that opens nothing. */
function aPitchToken(): { token: string } {
  return { token: randomBytes(32).toString('base64url') };
}

/** A file of the front end as the e2e setup built it (test/support/web-build.ts). */
function builtAsset(): string {
  const manifest = JSON.parse(readFileSync(path.join(WEB_OUT, 'manifest.json'), 'utf8')) as WebManifest;
  const script = manifest.pages.search?.scripts[0];
  if (script === undefined) throw new Error('the front end has no search page script');
  return script.slice('/assets/'.length);
}

describe('the authorization matrix over HTTP on the local stack', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let fixtures: Fixtures;
  const clients = new Map<Caller, Client>();
  const songsToRemove = new Set<string>();
  const nightsToClose = new Set<string>();
  const run = randomUUID().slice(0, 8);

  const client = (caller: Caller) => {
    const found = clients.get(caller);
    if (!found) throw new Error(`no client for ${caller}`);
    return found;
  };

  const send =
    (headers: Record<string, string>): Client =>
    (path, init = {}) =>
      fetch(new URL(path, server.url), {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
        redirect: 'manual',
      });

  /** A browser signed in through /auth/login as the demo user; its requests carry the session cookie. */
  async function signInByBrowser(username: string): Promise<HeadlessBrowser> {
    const browser = new HeadlessBrowser();
    const callback = await signInAtLocalProvider(
      browser,
      new URL('/auth/login', server.url),
      { username, password: username },
      (location) => location.pathname === '/auth/callback',
    );
    expect((await browser.request(callback)).status).toBe(302);
    return browser;
  }

  const asBrowser =
    (browser: HeadlessBrowser, origin?: string): Client =>
    (path, init = {}) =>
      browser.request(new URL(path, server.url), {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          ...(origin === undefined ? {} : { origin }),
        },
      });

  /** A write a fixture needs to succeed. */
  async function created(as: Client, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await as(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(201);
    return json(response);
  }

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    // The whole system as `npm start` runs it: song search needs the index the change chain creates.
    sync = await startLocalSync({ env: inject('localEnv') });
    clients.set('anonymous', send({}));
    await Promise.all(
      Object.entries(DEMO_USER).map(async ([caller, username]) => {
        const token = await issueLocalAccessToken(server.oidcIssuer, username);
        clients.set(caller as Caller, send({ authorization: `Bearer ${token}` }));
      }),
    );
    const title = (purpose: string) => `Authorization Matrix ${purpose} ${run} ${randomUUID().slice(0, 8)}`;
    const newSong = async () => {
      const song = await created(client('curator'), '/api/songs', {
        title: title('song'),
        artist: 'The Placeholders',
      });
      songsToRemove.add(String(song.id));
      return String(song.id);
    };
    const openNight = async (runBy: 'kj' | 'admin', publicDisplay = false) => {
      const event = await created(client(runBy), '/api/events', { name: title('night'), publicDisplay });
      nightsToClose.add(String(event.id));
      return String(event.id);
    };
    const songId = await newSong();
    const nights = {
      kj: await openNight('kj'),
      publicKj: await openNight('kj', true),
      admin: await openNight('admin'),
    };
    // The demo KJ's playlist: the curator edits it, singer1 views it, the admin is a stranger to it.
    const newPlaylist = async () =>
      String((await created(client('kj'), '/api/playlists', { name: title('playlist') })).id);
    const playlistId = await newPlaylist();
    for (const [caller, role] of [
      ['curator', 'editor'],
      ['singer', 'viewer'],
    ] as const) {
      const member = await client('kj')(`/api/playlists/${playlistId}/members/${idOf(DEMO_USER[caller])}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role }),
      });
      expect(member.status).toBe(200);
    }
    const newItem = async () =>
      String((await created(client('kj'), `/api/playlists/${playlistId}/items`, { songId })).itemId);
    const playlist = { id: playlistId, itemId: await newItem() };
    // Someone waits at each night, so rotation actions have a turn to act on.
    for (const eventId of [nights.kj, nights.admin]) {
      await created(client('singer'), `/api/events/${eventId}/requests`, { songId });
    }
    fixtures = {
      songId,
      nights,
      newSong,
      newNight: (runBy) => openNight(runBy),
      newGuestRequest: async () => {
        const receipt = await created(client('kj'), `/api/events/${nights.kj}/requests`, {
          songId,
          guestName: 'Walk-in Guest',
        });
        return String(receipt.requestId);
      },
      created: (what) => {
        if ('songId' in what) songsToRemove.add(what.songId);
        else nightsToClose.add(what.eventId);
      },
      title,
      playlist,
      newPlaylist,
      newItem,
      newPitch: async () => {
        const sent = await created(client('kj'), '/api/pitches', {
          playlistId: playlist.id,
          recipients: [{ email: 'supervisor@agency.test' }],
          allowDownload: false,
        });
        const [link] = sent.links as Array<{ recipientId: string }>;
        return { id: String((sent.pitch as { id: string }).id), recipientId: String(link?.recipientId) };
      },
      newShare: async () =>
        String(
          (
            await created(client('kj'), '/api/shares', {
              songId,
              userId: idOf(DEMO_USER.singer),
              permission: 'stream',
            })
          ).id,
        ),
    };
  });

  afterAll(async () => {
    const admin = clients.get('admin');
    if (admin) {
      // The admin may close any night; nights left open would keep their singers waiting.
      await Promise.all([...nightsToClose].map((id) => admin(`/api/events/${id}/close`, { method: 'POST' })));
      await Promise.all([...songsToRemove].map((id) => admin(`/api/songs/${id}`, { method: 'DELETE' })));
    }
    await sync?.stop();
    await server?.close();
  });

  describe('covers every route', () => {
    const tableRoutes = routeSet(ROWS.map((row) => routeOf(row.method, row.path)));

    it('has one row per route and case', () => {
      const names = ROWS.map((row) => rowName(row));
      expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    });

    it('has rows for every route of /api/openapi.json, plus the undocumented ones, and no others', async () => {
      const response = await fetch(`${server.url}/api/openapi.json`);
      expect(response.status).toBe(200);
      const documented = documentedRoutes((await response.json()) as OpenApiPaths);
      expect(documented.filter((route) => UNDOCUMENTED_ROUTES.includes(route))).toEqual([]);
      expect(tableRoutes, 'routes with rows (received) against documented routes (expected)').toEqual(
        routeSet([...documented, ...UNDOCUMENTED_ROUTES]),
      );
    });

    it('has rows for every route the app registers, documented or not, and no others', () => {
      // Built with the local server's config and no adapters: it lists its routes, never serves one.
      const config = loadBffConfig({
        ...inject('localEnv'),
        OIDC_ISSUER: server.oidcIssuer,
        PUBLIC_BASE_URL: server.url,
        SERVICES_BASE_URL: server.url,
        SERVICE_AUTH: 'none',
      });
      const registered = registeredRoutes(createApp({ config } as BffDeps));
      expect(tableRoutes, 'routes with rows (received) against registered routes (expected)').toEqual(
        routeSet(registered),
      );
    });
  });

  const cases = ROWS.flatMap((row) =>
    CALLERS.map((caller) => ({ name: `${rowName(row)} · ${caller} → ${row.expect[caller]}`, row, caller })),
  );

  describe('with Bearer tokens, or no credentials', () => {
    it.each(cases)('$name', async ({ row, caller }) => {
      const { outcome, detail } = await probe(row, { fixtures, caller, as: client(caller) });
      expect(outcome, detail).toBe(row.expect[caller]);
    });
  });

  describe('with a session cookie, writes need an allowed Origin', () => {
    // A pitch page's unlock form acts on no session (its own cookie is scoped to the link), and the
    // page's no-referrer policy makes a browser send `Origin: null`: it is checked below instead.
    const isPitchPage = (row: (typeof ROWS)[number]) => row.path.startsWith('/p/');
    const writes = ROWS.filter((row) => row.method !== 'GET' && !isPitchPage(row));
    let admin: HeadlessBrowser;

    beforeAll(async () => {
      admin = await signInByBrowser(DEMO_USER.admin);
    });

    it.each(writes.map((row) => ({ name: `${rowName(row)} · admin session without Origin → 403`, row })))(
      '$name',
      async ({ row }) => {
        const { outcome, detail } = await probe(row, { fixtures, caller: 'admin', as: asBrowser(admin) });
        expect(outcome, detail).toBe(403);
      },
    );

    it.each(
      writes.map((row) => ({ name: `${rowName(row)} · admin session from https://evil.example → 403`, row })),
    )('$name', async ({ row }) => {
      const as = asBrowser(admin, 'https://evil.example');
      const { outcome, detail } = await probe(row, { fixtures, caller: 'admin', as });
      expect(outcome, detail).toBe(403);
    });

    // The same requests from the BFF's own origin get what the admin's token gets: the refusals
    // above were about the origin, not the role. A session each, since one of them signs out.
    it.each(
      ROWS.filter((row) => row.method !== 'GET' && isPitchPage(row)).map((row) => ({
        name: `${rowName(row)} · admin session, Origin null (a no-referrer page) → ${row.expect.admin}`,
        row,
      })),
    )('$name', async ({ row }) => {
      const { outcome, detail } = await probe(row, {
        fixtures,
        caller: 'admin',
        as: asBrowser(admin, 'null'),
      });
      expect(outcome, detail).toBe(row.expect.admin);
    });

    it.each(
      writes.map((row) => ({
        name: `${rowName(row)} · admin session from its own origin → ${row.expect.admin}`,
        row,
      })),
    )('$name', async ({ row }) => {
      const as = asBrowser(await signInByBrowser(DEMO_USER.admin), server.url);
      const { outcome, detail } = await probe(row, { fixtures, caller: 'admin', as });
      expect(outcome, detail).toBe(row.expect.admin);
    });
  });
});
