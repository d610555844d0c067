import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { eventually } from '../support/sync-fixture.ts';

interface Item {
  itemId: string;
  songId: string;
  title: string | null;
  artist: string | null;
  durationMs: number | null;
  hasAudio: boolean;
  available: boolean;
  addedBy: string;
}
interface PlaylistBody {
  id: string;
  ownerId: string;
  name: string;
  version: number;
  items: Item[];
  members: Array<{ userId: string; role: string }>;
}
type Part<T> = { status: 'ok'; data: T } | { status: 'unavailable' };

const idOf = (username: string) => {
  const user = DEMO_USERS.find((demo) => demo.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user.sub;
};

describe('playlists and shares over HTTP on the local stack', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  const tokens: Record<string, string> = {};
  const songs: string[] = [];

  const api = (path: string, init: RequestInit & { as?: string } = {}) =>
    fetch(`${server.url}/api${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        ...(init.as ? { authorization: `Bearer ${tokens[init.as]}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const json = async <T>(response: Response, status: number): Promise<T> => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const post = (path: string, as: string, body: unknown) =>
    api(path, { method: 'POST', as, body: JSON.stringify(body) });
  const unique = (title: string) => `${title} ${randomUUID().slice(0, 8)}`;

  async function newSong(title: string, durationMs?: number): Promise<string> {
    const song = await json<{ id: string }>(
      await post('/songs', 'curator', { title: unique(title), artist: 'Playlist Testers', durationMs }),
      201,
    );
    songs.push(song.id);
    return song.id;
  }
  const newPlaylist = async (as: string, name = unique('Playlist')) =>
    json<PlaylistBody>(await post('/playlists', as, { name }), 201);
  const addSong = async (as: string, playlistId: string, songId: string, position?: number) =>
    json<Item & { position: number }>(
      await post(`/playlists/${playlistId}/items`, as, { songId, position }),
      201,
    );
  const read = async (as: string, playlistId: string) => {
    const response = await api(`/playlists/${playlistId}`, { as });
    return {
      cache: response.headers.get('x-cache'),
      etag: response.headers.get('etag'),
      playlist: await json<PlaylistBody>(response, 200),
    };
  };

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    sync = await startLocalSync({ env: inject('localEnv') });
    for (const user of ['curator', 'singer1', 'singer2', 'singer3']) {
      tokens[user] = await issueLocalAccessToken(server.oidcIssuer, user);
    }
  });

  afterAll(async () => {
    if (tokens.curator) {
      await Promise.all(songs.map((id) => api(`/songs/${id}`, { method: 'DELETE', as: 'curator' })));
    }
    await sync?.stop();
    await server?.close();
  });

  it('builds a playlist of catalog songs, read with their titles, an ETag and through the cache', async () => {
    const [first, second] = [await newSong('First Song', 180_000), await newSong('Second Song')];
    const created = await newPlaylist('singer1', 'Road Trip');
    expect(created).toMatchObject({ ownerId: idOf('singer1'), name: 'Road Trip', items: [] });
    const added = await addSong('singer1', created.id, second);
    expect(added).toMatchObject({ songId: second, available: true, position: 0 });
    await addSong('singer1', created.id, first, 0);
    await addSong('singer1', created.id, second);

    const { playlist, etag, cache } = await read('singer1', created.id);
    expect(playlist.items.map((item) => item.songId)).toEqual([first, second, second]);
    expect(playlist.items[0]).toMatchObject({
      artist: 'Playlist Testers',
      durationMs: 180_000,
      hasAudio: false,
      available: true,
      addedBy: idOf('singer1'),
    });
    expect(etag).toBe(`"${playlist.version}"`);
    expect(cache).toBe('miss');
    await eventually(async () => expect((await read('singer1', created.id)).cache).toBe('hit'));
    const unchanged = await api(`/playlists/${created.id}`, {
      as: 'singer1',
      headers: { 'if-none-match': etag as string },
    });
    expect(unchanged.status).toBe(304);
  });

  it("shows a song's change, and a song gone from the catalog as unavailable", async () => {
    const songId = await newSong('Soon Renamed');
    const gone = await newSong('Soon Gone');
    const { id } = await newPlaylist('singer1');
    await addSong('singer1', id, songId);
    await addSong('singer1', id, gone);
    await read('singer1', id);
    const renamed = unique('Renamed Song');
    await json(
      await api(`/songs/${songId}`, {
        method: 'PATCH',
        as: 'curator',
        body: JSON.stringify({ title: renamed }),
      }),
      200,
    );
    expect((await api(`/songs/${gone}`, { method: 'DELETE', as: 'curator' })).status).toBe(204);
    const { playlist } = await read('singer1', id);
    expect(playlist.items.map((item) => [item.title, item.available])).toEqual([
      [renamed, true],
      [null, false],
    ]);
  });

  it('refuses an unknown song and a position outside the list', async () => {
    const { id } = await newPlaylist('singer1');
    const unknown = await post(`/playlists/${id}/items`, 'singer1', { songId: randomUUID() });
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(await unknown.json())).toContain('songId');
    const songId = await newSong('Placed');
    const outside = await post(`/playlists/${id}/items`, 'singer1', { songId, position: 1 });
    expect(outside.status).toBe(409);
    const nul = await post('/playlists', 'singer1', { name: 'bad\u0000name' });
    expect(nul.status).toBe(400);
  });

  it('a stale If-Match is a 412; the current one renames, and the next read shows it', async () => {
    const { id } = await newPlaylist('singer1');
    const { etag } = await read('singer1', id);
    await addSong('singer1', id, await newSong('Moves The Version'));
    const stale = await api(`/playlists/${id}`, {
      method: 'PATCH',
      as: 'singer1',
      headers: { 'if-match': etag as string },
      body: JSON.stringify({ name: 'Stale' }),
    });
    expect(stale.status).toBe(412);
    const current = await read('singer1', id);
    const renamed = await api(`/playlists/${id}`, {
      method: 'PATCH',
      as: 'singer1',
      headers: { 'if-match': current.etag as string },
      body: JSON.stringify({ name: 'Fresh' }),
    });
    expect((await json<PlaylistBody>(renamed, 200)).name).toBe('Fresh');
    expect((await read('singer1', id)).playlist.name).toBe('Fresh');
  });

  it('members: an editor changes items, a viewer reads, a removed member reads no more', async () => {
    const { id } = await newPlaylist('singer1');
    const songId = await newSong('Shared Work');
    const setRole = (user: string, role: string) =>
      api(`/playlists/${id}/members/${idOf(user)}`, {
        method: 'PUT',
        as: 'singer1',
        body: JSON.stringify({ role }),
      });
    expect((await setRole('singer2', 'editor')).status).toBe(200);
    expect((await setRole('singer3', 'viewer')).status).toBe(200);
    await addSong('singer2', id, songId);
    expect((await post(`/playlists/${id}/items`, 'singer3', { songId })).status).toBe(403);
    expect((await read('singer3', id)).playlist.items).toHaveLength(1);
    expect((await api(`/playlists/${id}`, { as: 'curator' })).status).toBe(403);
    expect((await api(`/playlists/${id}`)).status).toBe(401);
    const listed = await json<{ items: Array<{ id: string; access: string }> }>(
      await api('/playlists', { as: 'singer2' }),
      200,
    );
    expect(listed.items.find((item) => item.id === id)?.access).toBe('editor');
    expect(
      (await api(`/playlists/${id}/members/${idOf('singer3')}`, { method: 'DELETE', as: 'singer1' })).status,
    ).toBe(204);
    // The removal invalidated the playlist: the cached copy the viewer read is gone at once.
    expect((await api(`/playlists/${id}`, { as: 'singer3' })).status).toBe(403);
  });

  it('a track shared for download lets that user download it; /api/me shows playlists and shares', async () => {
    const songId = await newSong('Shared For Download');
    // No audio, so an allowed download is a 404; a refused one is a 403 before that.
    expect((await api(`/songs/${songId}/media/download`, { as: 'singer2' })).status).toBe(403);
    const refused = await post('/shares', 'singer1', {
      songId,
      userId: idOf('singer2'),
      permission: 'download',
    });
    expect(refused.status).toBe(403);
    const share = await json<{ id: string }>(
      await post('/shares', 'curator', {
        songId,
        userId: idOf('singer2'),
        permission: 'download',
        message: 'For the set list',
      }),
      201,
    );
    expect((await api(`/songs/${songId}/media/download`, { as: 'singer2' })).status).toBe(409);
    const received = await json<{ items: Array<{ id: string }> }>(
      await api('/shares?direction=received', { as: 'singer2' }),
      200,
    );
    expect(received.items[0]?.id).toBe(share.id);

    await newPlaylist('singer2', 'Mine On Me');
    const me = await json<{
      playlists: Part<{ count: number; items: Array<{ name: string }> }>;
      sharedWithMe: Part<{ count: number; items: Array<{ id: string }> }>;
    }>(await api('/me', { as: 'singer2' }), 200);
    expect(me.playlists.status).toBe('ok');
    expect(me.playlists.status === 'ok' && me.playlists.data.items.map((item) => item.name)).toContain(
      'Mine On Me',
    );
    expect(me.sharedWithMe.status === 'ok' && me.sharedWithMe.data.items[0]?.id).toBe(share.id);

    // Only the two sides may remove it; once declined, downloads are refused again.
    expect((await api(`/shares/${share.id}`, { method: 'DELETE', as: 'singer3' })).status).toBe(403);
    expect((await api(`/shares/${share.id}`, { method: 'DELETE', as: 'singer2' })).status).toBe(204);
    expect((await api(`/songs/${songId}/media/download`, { as: 'singer2' })).status).toBe(403);
  });

  it('20 clients moving and inserting at once lose and double nothing', async () => {
    const { id } = await newPlaylist('singer1');
    await api(`/playlists/${id}/members/${idOf('singer2')}`, {
      method: 'PUT',
      as: 'singer1',
      body: JSON.stringify({ role: 'editor' }),
    });
    const songId = await newSong('Raced');
    const seeded: string[] = [];
    for (let i = 0; i < 5; i++) seeded.push((await addSong('singer1', id, songId)).itemId);
    const inserted = new Set(seeded);
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const as = n % 2 === 0 ? 'singer1' : 'singer2';
        const placed = await addSong(as, id, songId, n % 3);
        inserted.add(placed.itemId);
        const moved = await post(`/playlists/${id}/items/${seeded[n % seeded.length]}/move`, as, {
          position: n % 4,
        });
        expect(moved.status).toBe(200);
      }),
    );
    const { playlist } = await read('singer1', id);
    expect(playlist.items).toHaveLength(inserted.size);
    expect(new Set(playlist.items.map((item) => item.itemId))).toEqual(inserted);
  });
  it('pitches a playlist: one link per address, shown once; the owner alone sees and revokes it', async () => {
    const { id } = await newPlaylist('singer1');
    const songId = await newSong('Pitched Song');
    await addSong('singer1', id, songId);
    const sent = await json<{
      pitch: { id: string; songIds: string[]; recipients: Array<{ recipientId: string; opens: number }> };
      links: Array<{ recipientId: string; email: string; link: string }>;
    }>(
      await post('/pitches', 'singer1', {
        playlistId: id,
        title: 'For your show',
        recipients: [{ email: 'sup@agency.test' }, { email: 'SUP@agency.test' }, { email: 'b@label.test' }],
        password: 'let me in',
        allowDownload: false,
      }),
      201,
    );
    expect(sent.pitch.songIds).toEqual([songId]);
    expect(sent.links.map((link) => link.email)).toEqual(['sup@agency.test', 'b@label.test']);
    for (const { link } of sent.links)
      expect(link).toMatch(new RegExp(`^${server.url}/p/[A-Za-z0-9_-]{43}$`));
    const seen = await json<{ recipients: unknown[]; hasPassword: boolean }>(
      await api(`/pitches/${sent.pitch.id}`, { as: 'singer1' }),
      200,
    );
    expect(seen).toMatchObject({ hasPassword: true });
    expect(seen.recipients).toHaveLength(2);
    expect(JSON.stringify(seen)).not.toContain('let me in');
    expect((await api(`/pitches/${sent.pitch.id}`, { as: 'singer2' })).status).toBe(403);
    expect(
      (
        await post('/pitches', 'singer2', {
          playlistId: id,
          recipients: [{ email: 'x@y.test' }],
          allowDownload: true,
        })
      ).status,
    ).toBe(403);
    const listed = await json<{ items: Array<{ id: string }> }>(
      await api('/pitches', { as: 'singer1' }),
      200,
    );
    expect(listed.items[0]?.id).toBe(sent.pitch.id);
    const revoked = await json<{ revoked: boolean }>(
      await api(`/pitches/${sent.pitch.id}/revoke`, { method: 'POST', as: 'singer1' }),
      200,
    );
    expect(revoked.revoked).toBe(true);
  });
});
