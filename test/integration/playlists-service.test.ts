import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#lib/actor';
import { sql } from '#lib/db/port';
import { recipientHash } from '#services/metrics/contract';
import { createPlaylistsApp } from '#services/playlists/app';
import type {
  DownloadGrant,
  IssuedLinks,
  LinkView,
  Member,
  Pitch,
  PlacedItem,
  Playlist,
  PlaylistsPage,
  Share,
  SharesPage,
} from '#services/playlists/contract';
import { tokenHash } from '#services/playlists/domain/pitch-links';
import { pgPitchStore } from '#services/playlists/pitch-repo';
import { createPitchesService } from '#services/playlists/pitches';
import { pgPlaylistStore } from '#services/playlists/repo';
import { createPlaylistsService } from '#services/playlists/service';
import { serviceCaller, testCallers } from '#test/support/actor-tokens';
import { type DbAdapter, openServiceDb, type ServiceDb } from '#test/support/service-db';
import { quietLog } from '../support/sync-fixture.ts';

const RECIPIENT_KEY = 'integration-recipient-key-0123456789abcdef';
const person = (...roles: string[]): Actor => ({
  id: randomUUID(),
  roles: roles.length ? roles : ['singer'],
});

describe.each(['pg', 'data-api'] as const)('playlists service (%s adapter)', (adapter: DbAdapter) => {
  let store: ServiceDb;
  let app: ReturnType<typeof createPlaylistsApp>;

  beforeAll(async () => {
    store = await openServiceDb(adapter);
    const playlists = pgPlaylistStore(store.db);
    app = createPlaylistsApp({
      playlists: createPlaylistsService({ store: playlists }),
      pitches: createPitchesService({
        pitches: pgPitchStore(store.db),
        playlists,
        recipientKey: RECIPIENT_KEY,
      }),
      log: quietLog,
      callers: testCallers,
    });
  });

  afterAll(() => store?.close());

  const send = serviceCaller(() => app, 'playlists');
  const json = async <T>(response: Response, status: number): Promise<T> => {
    const body = await response.text();
    expect(response.status, body).toBe(status);
    return JSON.parse(body) as T;
  };
  const create = async (owner: Actor, name = 'Warm-up') =>
    json<Playlist>(await send('POST', '/playlists', { actor: owner, body: { name } }), 201);
  const add = async (owner: Actor, playlistId: string, songId: string, position?: number) =>
    json<PlacedItem>(
      await send('POST', `/playlists/${playlistId}/items`, {
        actor: owner,
        body: { songId, ...(position === undefined ? {} : { position }) },
      }),
      201,
    );
  const read = async (actor: Actor, playlistId: string) =>
    json<Playlist>(await send('GET', `/playlists/${playlistId}`, { actor }), 200);
  const songsOf = (playlist: Playlist) => playlist.items.map((item) => item.songId);

  it('makes a playlist, reads it back with its items in order, and lists it for its owner', async () => {
    const owner = person();
    const created = await create(owner, '  Friday warm-up  ');
    expect(created).toMatchObject({ ownerId: owner.id, name: 'Friday warm-up', items: [], access: 'owner' });
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await add(owner, created.id, a);
    await add(owner, created.id, c);
    const placed = await add(owner, created.id, b, 1);
    expect(placed.position).toBe(1);
    // The same song again: its own item.
    await add(owner, created.id, a, 0);
    const playlist = await read(owner, created.id);
    expect(songsOf(playlist)).toEqual([a, a, b, c]);
    expect(new Set(playlist.items.map((item) => item.itemId)).size).toBe(4);
    expect(playlist.version).toBeGreaterThan(created.version);
    const page = await json<PlaylistsPage>(await send('GET', '/playlists', { actor: owner }), 200);
    expect(page.items.map((item) => [item.id, item.itemCount])).toEqual([[created.id, 4]]);
  });

  it('pages the playlists a user owns or is a member of, newest first', async () => {
    const owner = person();
    const friend = person();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(owner, `List ${i}`)).id);
    const theirs = await create(friend, 'Theirs');
    await json<Member>(
      await send('PUT', `/playlists/${theirs.id}/members/${owner.id}`, {
        actor: friend,
        body: { role: 'viewer' },
      }),
      201,
    );
    const first = await json<PlaylistsPage>(await send('GET', '/playlists?limit=2', { actor: owner }), 200);
    expect(first.total).toBe(4);
    expect(first.items.map((item) => item.id)).toEqual([theirs.id, ids[2]]);
    expect(first.items[0]?.access).toBe('viewer');
    const second = await json<PlaylistsPage>(
      await send('GET', `/playlists?limit=2&cursor=${first.cursor}`, { actor: owner }),
      200,
    );
    expect(second.items.map((item) => item.id)).toEqual([ids[1], ids[0]]);
    expect(second.cursor).toBeNull();
    expect((await send('GET', '/playlists?cursor=forged', { actor: owner })).status).toBe(400);
  });

  it('renames only with a current If-Match: a stale one is a 412 and changes nothing', async () => {
    const owner = person();
    const playlist = await create(owner);
    const stale = `"${playlist.version}"`;
    const renamed = await json<Playlist>(
      await send('PATCH', `/playlists/${playlist.id}`, {
        actor: owner,
        body: { name: 'Renamed', description: 'Line one\nline two' },
        headers: { 'if-match': stale },
      }),
      200,
    );
    expect(renamed).toMatchObject({ name: 'Renamed', description: 'Line one\nline two' });
    const refused = await send('PATCH', `/playlists/${playlist.id}`, {
      actor: owner,
      body: { name: 'Lost update' },
      headers: { 'if-match': stale },
    });
    expect(refused.status).toBe(412);
    // A weak tag never matches for If-Match; a list with the current one does.
    const weak = await send('PATCH', `/playlists/${playlist.id}`, {
      actor: owner,
      body: { name: 'Weak' },
      headers: { 'if-match': `W/"${renamed.version}"` },
    });
    expect(weak.status).toBe(412);
    expect((await read(owner, playlist.id)).name).toBe('Renamed');
    const malformed = await send('PATCH', `/playlists/${playlist.id}`, {
      actor: owner,
      body: { name: 'x' },
      headers: { 'if-match': 'not-quoted' },
    });
    expect(malformed.status).toBe(400);
    const removed = await send('DELETE', `/playlists/${playlist.id}`, {
      actor: owner,
      headers: { 'if-match': `"1", "${renamed.version}"` },
    });
    expect(removed.status).toBe(204);
    expect((await send('GET', `/playlists/${playlist.id}`, { actor: owner })).status).toBe(404);
  });

  it('refuses text that cannot be stored, field by field, and writes nothing', async () => {
    const owner = person();
    for (const name of ['bad\u0000name', 'bell\u0007', 'half \ud800 surrogate', '   ']) {
      const response = await send('POST', '/playlists', { actor: owner, body: { name } });
      const problem = await json<{ issues: Array<{ path: string }> }>(response, 400);
      expect(problem.issues.map((issue) => issue.path)).toContain('name');
    }
    const page = await json<PlaylistsPage>(await send('GET', '/playlists', { actor: owner }), 200);
    expect(page.total).toBe(0);
  });

  it('owner: everything; editor: items; viewer: reading; anyone else: nothing', async () => {
    const owner = person();
    const editor = person();
    const viewer = person();
    const stranger = person();
    const playlist = await create(owner);
    for (const [member, role] of [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      await json<Member>(
        await send('PUT', `/playlists/${playlist.id}/members/${member.id}`, { actor: owner, body: { role } }),
        201,
      );
    }
    const item = await add(editor, playlist.id, randomUUID());
    expect(item.addedBy).toBe(editor.id);
    expect((await read(viewer, playlist.id)).members).toEqual(
      expect.arrayContaining([
        { userId: editor.id, role: 'editor' },
        { userId: viewer.id, role: 'viewer' },
      ]),
    );
    const itemWrite = (actor: Actor) =>
      send('POST', `/playlists/${playlist.id}/items`, { actor, body: { songId: randomUUID() } });
    expect((await itemWrite(viewer)).status).toBe(403);
    expect((await itemWrite(stranger)).status).toBe(403);
    expect((await send('GET', `/playlists/${playlist.id}`, { actor: stranger })).status).toBe(403);
    for (const actor of [editor, viewer, stranger]) {
      expect(
        (await send('PATCH', `/playlists/${playlist.id}`, { actor, body: { name: 'Mine' } })).status,
      ).toBe(403);
      expect(
        (
          await send('PUT', `/playlists/${playlist.id}/members/${actor.id}`, {
            actor,
            body: { role: 'editor' },
          })
        ).status,
      ).toBe(403);
      expect((await send('DELETE', `/playlists/${playlist.id}`, { actor })).status).toBe(403);
    }
    // Without an actor the call did not come through the BFF.
    expect((await send('GET', `/playlists/${playlist.id}`)).status).toBe(401);
    // A removed member reads no more.
    expect(
      (await send('DELETE', `/playlists/${playlist.id}/members/${viewer.id}`, { actor: owner })).status,
    ).toBe(204);
    expect((await send('GET', `/playlists/${playlist.id}`, { actor: viewer })).status).toBe(403);
  });

  it('refuses positions outside the list, and unknown items', async () => {
    const owner = person();
    const playlist = await create(owner);
    const first = await add(owner, playlist.id, randomUUID());
    // Past the end is a conflict with the list as it is; not a whole number of 0 or more, a bad request.
    for (const [position, status] of [
      [2, 409],
      [1000, 409],
      [-1, 400],
      [0.5, 400],
    ] as const) {
      const response = await send('POST', `/playlists/${playlist.id}/items`, {
        actor: owner,
        body: { songId: randomUUID(), position },
      });
      const problem = await json<{ issues: Array<{ path: string }> }>(response, status);
      expect(problem.issues.map((issue) => issue.path)).toContain('position');
    }
    const move = (itemId: string, position: number) =>
      send('POST', `/playlists/${playlist.id}/items/${itemId}/move`, { actor: owner, body: { position } });
    expect((await move(first.itemId, 1)).status).toBe(409);
    expect((await move(randomUUID(), 0)).status).toBe(404);
    expect(
      (await send('DELETE', `/playlists/${playlist.id}/items/${randomUUID()}`, { actor: owner })).status,
    ).toBe(404);
    expect((await read(owner, playlist.id)).items).toHaveLength(1);
  });

  it('holds at most 1,000 items', async () => {
    const owner = person();
    const playlist = await create(owner);
    // Filled straight in the table: 1,000 requests would only measure the request path.
    await store.inspect.query(
      `INSERT INTO playlist_items (playlist_id, song_id, rank, added_by)
       SELECT :id, gen_random_uuid(), lpad(to_hex(n), 4, '0') || '1', :owner FROM generate_series(1, 1000) AS n`,
      { id: sql.uuid(playlist.id), owner: sql.uuid(owner.id) },
    );
    const response = await send('POST', `/playlists/${playlist.id}/items`, {
      actor: owner,
      body: { songId: randomUUID() },
    });
    expect(response.status).toBe(409);
    expect((await read(owner, playlist.id)).items).toHaveLength(1000);
  });

  it('moves racing inserts from 20 clients end in a permutation of what was inserted, nothing lost or doubled', async () => {
    const owner = person();
    const editors = Array.from({ length: 19 }, () => person());
    const playlist = await create(owner);
    for (const editor of editors) {
      await send('PUT', `/playlists/${playlist.id}/members/${editor.id}`, {
        actor: owner,
        body: { role: 'editor' },
      });
    }
    const seeded: string[] = [];
    for (let i = 0; i < 10; i++) seeded.push((await add(owner, playlist.id, randomUUID())).itemId);
    const clients = [owner, ...editors];
    const inserted = new Set(seeded);
    await Promise.all(
      clients.map(async (client, n) => {
        for (let round = 0; round < 3; round++) {
          const placed = await add(client, playlist.id, randomUUID(), (n * 7 + round) % 5);
          inserted.add(placed.itemId);
          const target = seeded[(n + round) % seeded.length] as string;
          const moved = await send('POST', `/playlists/${playlist.id}/items/${target}/move`, {
            actor: client,
            body: { position: (n * 3 + round) % 10 },
          });
          expect(moved.status).toBe(200);
        }
      }),
    );
    const final = await read(owner, playlist.id);
    const ids = final.items.map((item) => item.itemId);
    expect(ids).toHaveLength(inserted.size);
    expect(new Set(ids)).toEqual(inserted);
    const ranks = await store.inspect.query<{ rank: string }>(
      'SELECT rank FROM playlist_items WHERE playlist_id = :id ORDER BY rank',
      { id: sql.uuid(playlist.id) },
    );
    expect(new Set(ranks.map((row) => row.rank)).size).toBe(ranks.length);
  });

  it('a move writes only the moved item', async () => {
    const owner = person();
    const playlist = await create(owner);
    const items = [];
    for (let i = 0; i < 5; i++) items.push(await add(owner, playlist.id, randomUUID()));
    const before = await store.inspect.query<{ id: string; rank: string; version: number }>(
      'SELECT id, rank, version FROM playlist_items WHERE playlist_id = :id',
      { id: sql.uuid(playlist.id) },
    );
    const moved = items[4] as PlacedItem;
    await json<PlacedItem>(
      await send('POST', `/playlists/${playlist.id}/items/${moved.itemId}/move`, {
        actor: owner,
        body: { position: 1 },
      }),
      200,
    );
    const after = await store.inspect.query<{ id: string; rank: string; version: number }>(
      'SELECT id, rank, version FROM playlist_items WHERE playlist_id = :id',
      { id: sql.uuid(playlist.id) },
    );
    const changed = after.filter((row) => {
      const old = before.find((other) => other.id === row.id);
      return old?.rank !== row.rank || old?.version !== row.version;
    });
    expect(changed.map((row) => row.id)).toEqual([moved.itemId]);
    expect((await read(owner, playlist.id)).items.map((item) => item.itemId)).toEqual(
      [items[0], items[4], items[1], items[2], items[3]].map((item) => item?.itemId),
    );
  });

  it('shares: anyone for streaming, only curators for download; a download share grants downloads', async () => {
    const sharer = person();
    const curator = person('curator');
    const friend = person();
    const songId = randomUUID();
    const share = await json<Share>(
      await send('POST', '/shares', {
        actor: sharer,
        body: { songId, userId: friend.id, permission: 'stream', message: 'Listen!' },
      }),
      201,
    );
    expect(share).toMatchObject({ songId, playlistId: null, fromUserId: sharer.id, toUserId: friend.id });
    const refused = await send('POST', '/shares', {
      actor: sharer,
      body: { songId, userId: friend.id, permission: 'download' },
    });
    expect(refused.status).toBe(403);
    const grant = async () =>
      (await json<DownloadGrant>(await send('GET', `/users/${friend.id}/download-grants/${songId}`), 200))
        .allowed;
    expect(await grant()).toBe(false);
    const download = await json<Share>(
      await send('POST', '/shares', {
        actor: curator,
        body: { songId, userId: friend.id, permission: 'download' },
      }),
      201,
    );
    expect(await grant()).toBe(true);

    const received = await json<SharesPage>(
      await send('GET', '/shares?direction=received', { actor: friend }),
      200,
    );
    expect(received.items.map((item) => item.id)).toEqual([download.id, share.id]);
    const sent = await json<SharesPage>(await send('GET', '/shares?direction=sent', { actor: sharer }), 200);
    expect(sent.items.map((item) => item.id)).toEqual([share.id]);

    // Neither side's stranger may remove it; the recipient may decline it.
    expect((await send('DELETE', `/shares/${download.id}`, { actor: person() })).status).toBe(403);
    expect((await send('DELETE', `/shares/${download.id}`, { actor: friend })).status).toBe(200);
    expect(await grant()).toBe(false);

    for (const body of [
      { userId: friend.id, permission: 'stream' },
      { songId, playlistId: randomUUID(), userId: friend.id, permission: 'stream' },
      { songId, userId: friend.id, permission: 'stream', message: 'nul\u0000' },
    ]) {
      expect((await send('POST', '/shares', { actor: sharer, body })).status).toBe(400);
    }
    // Valid as written, but nobody shares with themselves.
    const withSelf = { songId, userId: sharer.id, permission: 'stream' };
    expect((await send('POST', '/shares', { actor: sharer, body: withSelf })).status).toBe(422);
  });

  it('a playlist shared for download lets the user read it and download the songs it holds', async () => {
    const owner = person('curator');
    const friend = person();
    const playlist = await create(owner);
    const songId = randomUUID();
    await add(owner, playlist.id, songId);
    expect((await send('GET', `/playlists/${playlist.id}`, { actor: friend })).status).toBe(403);
    // Only the owner shares a playlist.
    const notOwner = await send('POST', '/shares', {
      actor: person('curator'),
      body: { playlistId: playlist.id, userId: friend.id, permission: 'download' },
    });
    expect(notOwner.status).toBe(403);
    await json<Share>(
      await send('POST', '/shares', {
        actor: owner,
        body: { playlistId: playlist.id, userId: friend.id, permission: 'download' },
      }),
      201,
    );
    expect((await read(friend, playlist.id)).access).toBe('shared');
    expect(
      (await json<DownloadGrant>(await send('GET', `/users/${friend.id}/download-grants/${songId}`), 200))
        .allowed,
    ).toBe(true);
    expect(
      (
        await json<DownloadGrant>(
          await send('GET', `/users/${friend.id}/download-grants/${randomUUID()}`),
          200,
        )
      ).allowed,
    ).toBe(false);
    // Deleting the playlist ends its shares.
    expect((await send('DELETE', `/playlists/${playlist.id}`, { actor: owner })).status).toBe(204);
    expect(
      (await json<DownloadGrant>(await send('GET', `/users/${friend.id}/download-grants/${songId}`), 200))
        .allowed,
    ).toBe(false);
  });

  it('every change leaves an outbox row: the usage events of playlists and shares', async () => {
    const owner = person();
    const playlist = await create(owner);
    const item = await add(owner, playlist.id, randomUUID());
    await send('PUT', `/playlists/${playlist.id}/members/${person().id}`, {
      actor: owner,
      body: { role: 'viewer' },
    });
    const share = await json<Share>(
      await send('POST', '/shares', {
        actor: owner,
        body: { playlistId: playlist.id, userId: randomUUID(), permission: 'stream' },
      }),
      201,
    );
    const rows = await store.inspect.query<{ entity: string; op: string; key: string }>(
      `SELECT entity, op, key FROM outbox WHERE key LIKE :playlist OR key IN (:item, :share) ORDER BY id`,
      { playlist: `${playlist.id}%`, item: item.itemId, share: share.id },
    );
    const entities = new Set(rows.map((row) => row.entity));
    expect(entities).toEqual(new Set(['playlist', 'playlist_item', 'playlist_member', 'share']));
  });
  describe('pitches', () => {
    const pitchOf = async (owner: Actor, extra: Record<string, unknown> = {}) => {
      const playlist = await create(owner, 'Pitched');
      const songs = [randomUUID(), randomUUID()];
      for (const songId of songs) await add(owner, playlist.id, songId);
      const issued = await json<IssuedLinks>(
        await send('POST', '/pitches', {
          actor: owner,
          body: {
            playlistId: playlist.id,
            recipients: [
              { email: 'Sup@Agency.test', name: 'Sup' },
              { email: 'sup@agency.test' },
              { email: 'b@label.test' },
            ],
            allowDownload: false,
            ...extra,
          },
        }),
        201,
      );
      return { playlist, songs, issued };
    };
    const resolve = (token: string, password?: string, more: Record<string, unknown> = {}) =>
      send('POST', '/links/resolve', {
        body: { token, ...(password === undefined ? {} : { password }), ...more },
      });

    it('freezes the items, deduplicates recipients, stores only token hashes, and counts opens', async () => {
      const owner = person();
      const { playlist, songs, issued } = await pitchOf(owner);
      expect(issued.pitch).toMatchObject({
        title: 'Pitched',
        songIds: songs,
        hasPassword: false,
        revoked: false,
      });
      expect(issued.links.map((link) => link.email)).toEqual(['Sup@Agency.test', 'b@label.test']);
      for (const link of issued.links) expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Later changes to the playlist do not reach the pitch.
      await add(owner, playlist.id, randomUUID());
      const [first] = issued.links;
      // Resolving alone counts nothing; a page view (an open) and a play do.
      await json<LinkView>(await resolve(first?.token as string), 200);
      const view = await json<LinkView>(
        await resolve(first?.token as string, undefined, { activity: { kind: 'open' } }),
        200,
      );
      expect(view).toMatchObject({ state: 'open', songIds: songs, recipientId: first?.recipientId });
      const play = { activity: { kind: 'play', songId: songs[0] } };
      await json<LinkView>(await resolve(first?.token as string, undefined, play), 200);
      // Not a song of the pitch, and a download the pitch does not allow: nothing recorded.
      const stranger = { activity: { kind: 'play', songId: randomUUID() } };
      await json<LinkView>(await resolve(first?.token as string, undefined, stranger), 200);
      const download = { activity: { kind: 'download', songId: songs[0] } };
      await json<LinkView>(await resolve(first?.token as string, undefined, download), 200);
      const stored = await store.inspect.query<{ token_hash: string }>(
        'SELECT token_hash FROM pitch_recipients WHERE pitch_id = :id',
        { id: sql.uuid(issued.pitch.id) },
      );
      expect(stored.map((row) => row.token_hash)).not.toContain(first?.token);
      const outbox = await store.inspect.query<{ payload: unknown }>(
        "SELECT payload FROM outbox WHERE entity IN ('pitch', 'pitch_activity') AND payload->>'id' IS NOT NULL",
      );
      const published = JSON.stringify(outbox);
      expect(published).not.toContain('agency.test');
      expect(published).not.toContain(first?.token);
      const activity = outbox
        .map((row) => row.payload as { pitch_id?: string; recipient_key?: string; kind?: string })
        .filter((row) => row.pitch_id === issued.pitch.id && row.kind !== undefined);
      // One pitch.sent per recipient, then the first recipient's open and play.
      expect(activity.map((row) => row.kind).sort()).toEqual(['open', 'play', 'sent', 'sent']);
      const keyOf = (kind: string) =>
        activity.filter((row) => row.kind === kind).map((row) => row.recipient_key);
      const [sup, label] = ['sup@agency.test', 'b@label.test'].map((email) =>
        recipientHash(RECIPIENT_KEY, email),
      );
      expect(keyOf('sent').sort()).toEqual([sup, label].sort());
      expect([...keyOf('open'), ...keyOf('play')]).toEqual([sup, sup]);
      const seen = await json<Pitch>(await send('GET', `/pitches/${issued.pitch.id}`, { actor: owner }), 200);
      expect(seen.recipients.find((one) => one.recipientId === first?.recipientId)).toMatchObject({
        opens: 1,
        plays: { [songs[0] as string]: 1 },
        downloads: 0,
      });
      expect((await send('GET', `/pitches/${issued.pitch.id}`, { actor: person() })).status).toBe(403);
    });

    it('refuses 0 or 51 recipients and malformed addresses; only the owner pitches', async () => {
      const owner = person();
      const playlist = await create(owner);
      const many = Array.from({ length: 51 }, (_, i) => ({ email: `r${i}@x.test` }));
      for (const recipients of [[], many, [{ email: 'not-an-address' }]]) {
        const response = await send('POST', '/pitches', {
          actor: owner,
          body: { playlistId: playlist.id, recipients, allowDownload: true },
        });
        expect(response.status).toBe(400);
      }
      const stranger = await send('POST', '/pitches', {
        actor: person(),
        body: { playlistId: playlist.id, recipients: [{ email: 'a@b.test' }], allowDownload: true },
      });
      expect(stranger.status).toBe(403);
    });

    it('unknown and malformed tokens are the same 404; revoked, replaced and expired links are gone', async () => {
      const owner = person();
      const { issued } = await pitchOf(owner);
      const [first, second] = issued.links;
      for (const bad of ['short', `${first?.token}x`, 'A'.repeat(43)]) {
        expect((await resolve(bad)).status).toBe(404);
      }
      const renewed = await json<IssuedLinks>(
        await send('POST', `/pitches/${issued.pitch.id}/recipients/${first?.recipientId}/link`, {
          actor: owner,
        }),
        200,
      );
      expect((await resolve(first?.token as string)).status).toBe(404);
      expect((await json<LinkView>(await resolve(renewed.links[0]?.token as string), 200)).state).toBe(
        'open',
      );
      expect(
        (
          await send('DELETE', `/pitches/${issued.pitch.id}/recipients/${second?.recipientId}`, {
            actor: owner,
          })
        ).status,
      ).toBe(204);
      expect((await json<LinkView>(await resolve(second?.token as string), 200)).state).toBe('gone');
      await json<Pitch>(await send('POST', `/pitches/${issued.pitch.id}/revoke`, { actor: owner }), 200);
      const gone = await json<LinkView>(await resolve(renewed.links[0]?.token as string), 200);
      expect(gone).toMatchObject({ state: 'gone', songIds: [] });

      const soon = new Date(Date.now() + 60_000).toISOString();
      const expiring = await pitchOf(owner, { expiresAt: soon });
      await store.inspect.execute(
        "UPDATE pitches SET expires_at = now() - interval '1 second' WHERE id = :id",
        {
          id: sql.uuid(expiring.issued.pitch.id),
        },
      );
      expect(
        (await json<LinkView>(await resolve(expiring.issued.links[0]?.token as string), 200)).state,
      ).toBe('gone');
      const past = await send('POST', '/pitches', {
        actor: owner,
        body: {
          playlistId: expiring.playlist.id,
          recipients: [{ email: 'a@b.test' }],
          allowDownload: true,
          expiresAt: '2020-01-01T00:00:00Z',
        },
      });
      expect(past.status).toBe(422);
    });

    it('a password locks the link until the right one is sent', async () => {
      const owner = person();
      const { issued } = await pitchOf(owner, { password: 'open sesame' });
      const token = issued.links[0]?.token as string;
      expect(await json<LinkView>(await resolve(token), 200)).toMatchObject({ state: 'locked', songIds: [] });
      expect((await json<LinkView>(await resolve(token, 'wrong'), 200)).state).toBe('locked');
      expect((await json<LinkView>(await resolve(token, 'open sesame'), 200)).state).toBe('open');
      const { recipientId } = await json<LinkView>(await resolve(token), 200);
      // The BFF's unlock cookie names the recipient it was given to: it opens that link only.
      expect(
        (await json<LinkView>(await resolve(token, undefined, { unlockedFor: recipientId }), 200)).state,
      ).toBe('open');
      const other = { unlockedFor: issued.links[1]?.recipientId };
      expect((await json<LinkView>(await resolve(token, undefined, other), 200)).state).toBe('locked');
      expect((await resolve(token, 'x'.repeat(201))).status).toBe(400);
      const secrets = await store.inspect.query<{ password_hash: string }>(
        'SELECT password_hash FROM pitch_secrets',
      );
      expect(JSON.stringify(secrets)).not.toContain('open sesame');
    });

    it('an e-mail attempt sends once per link: never again once sent, never for a replaced, revoked or expired link', async () => {
      const owner = person();
      const pitchStore = pgPitchStore(store.db);
      const { issued } = await pitchOf(owner);
      const [first, second] = issued.links;
      const hashOf = (token: string | undefined) => tokenHash(token as string);
      let sends = 0;
      const mail = async () => {
        sends++;
        return true;
      };
      const now = new Date();
      // Two copies of one retry at once: the row lock lets one send, the other finds it sent.
      const outcomes = await Promise.all([
        pitchStore.deliver(first?.recipientId as string, hashOf(first?.token), now, mail),
        pitchStore.deliver(first?.recipientId as string, hashOf(first?.token), now, mail),
      ]);
      expect(outcomes.sort()).toEqual(['sent', 'skipped']);
      expect(sends).toBe(1);
      expect(await pitchStore.deliver(second?.recipientId as string, hashOf(first?.token), now, mail)).toBe(
        'skipped',
      );
      const refused = await pitchStore.deliver(
        second?.recipientId as string,
        hashOf(second?.token),
        now,
        async () => false,
      );
      expect(refused).toBe('failed');
      const seen = await json<Pitch>(await send('GET', `/pitches/${issued.pitch.id}`, { actor: owner }), 200);
      expect(seen.recipients.map((one) => one.deliveryStatus).sort()).toEqual(['failed', 'sent']);
      // A new link makes the old token's retry pointless, and the new one pending again.
      const renewed = await json<IssuedLinks>(
        await send('POST', `/pitches/${issued.pitch.id}/recipients/${second?.recipientId}/link`, {
          actor: owner,
        }),
        200,
      );
      expect(
        renewed.pitch.recipients.find((one) => one.recipientId === second?.recipientId)?.deliveryStatus,
      ).toBe('pending');
      expect(await pitchStore.deliver(second?.recipientId as string, hashOf(second?.token), now, mail)).toBe(
        'skipped',
      );
      const fresh = renewed.links[0]?.token;
      const later = new Date(Date.now() + 365 * 24 * 3600 * 1000);
      await store.inspect.execute('UPDATE pitches SET expires_at = :at WHERE id = :id', {
        at: sql.timestamp(new Date(Date.now() + 60_000).toISOString()),
        id: sql.uuid(issued.pitch.id),
      });
      expect(await pitchStore.deliver(second?.recipientId as string, hashOf(fresh), later, mail)).toBe(
        'skipped',
      );
      await json<Pitch>(await send('POST', `/pitches/${issued.pitch.id}/revoke`, { actor: owner }), 200);
      expect(await pitchStore.deliver(second?.recipientId as string, hashOf(fresh), now, mail)).toBe(
        'skipped',
      );
      expect(sends).toBe(1);
    });
  });
});
