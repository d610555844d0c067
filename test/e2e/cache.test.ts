import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { stackActorTokens } from '../support/actor-tokens.ts';
import { freePort } from '../support/child.ts';
import { eventually } from '../support/sync-fixture.ts';

interface SongBody {
  id: string;
  title: string;
  version: number;
}

describe('read cache over HTTP', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let curator: string;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    sync = await startLocalSync({ env: inject('localEnv') });
    curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
  });

  afterAll(async () => {
    await sync?.stop();
    await server?.close();
  });

  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${server.url}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
    });
  /** Another writer: the catalog service's internal route, bypassing the BFF and its invalidation. */
  const serviceTokens = stackActorTokens(inject('localEnv'));
  const catalog = async (path: string, init: RequestInit) =>
    fetch(`${server.internalUrl}/internal/catalog${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(await serviceTokens('catalog')) },
    });
  const read = async (id: string) => {
    const response = await api(`/songs/${id}`);
    expect(response.status).toBe(200);
    return { cache: response.headers.get('x-cache'), song: (await response.json()) as SongBody };
  };
  const unique = (title: string) => `${title} ${Math.random().toString(36).slice(2, 8)}`;

  async function curatorCreates(title: string): Promise<SongBody> {
    const response = await api('/songs', {
      method: 'POST',
      token: curator,
      body: JSON.stringify({ title: unique(title), artist: 'Cache Testers' }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as SongBody;
  }

  it('answers a song read with X-Cache: miss, then hit with the same body', async () => {
    const created = await curatorCreates('Miss Then Hit');
    const first = await read(created.id);
    expect(first.cache).toBe('miss');
    expect(first.song).toEqual(created);
    // The creation's change also reaches the cache-invalidator; once it has, reads stay hits.
    const hit = await eventually(async () => {
      const again = await read(created.id);
      expect(again.cache).toBe('hit');
      return again;
    });
    expect(hit.song).toEqual(created);
  });

  it("shows a curator's PATCH through the BFF on the very next GET", async () => {
    const created = await curatorCreates('Read Your Writes');
    await eventually(async () => expect((await read(created.id)).cache).toBe('hit'));
    for (const edit of ['first edit', 'second edit', 'third edit']) {
      const patched = await api(`/songs/${created.id}`, {
        method: 'PATCH',
        token: curator,
        body: JSON.stringify({ title: edit }),
      });
      expect(patched.status).toBe(200);
      const next = await read(created.id);
      expect(next.song.title).toBe(edit);
      expect(next.cache).toBe('miss');
      expect((await read(created.id)).song.title).toBe(edit);
    }
    expect((await api(`/songs/${created.id}`, { method: 'DELETE', token: curator })).status).toBe(204);
    expect((await api(`/songs/${created.id}`)).status).toBe(404);
  });

  it('shows a write made by another writer through the change chain within about a second', async () => {
    const created = await catalog('/songs', {
      method: 'POST',
      body: JSON.stringify({ title: unique('Other Writer'), artist: 'Cache Testers' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as SongBody;
    await eventually(async () => expect((await read(id)).cache).toBe('hit'));

    const edited = await catalog(`/songs/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ title: 'Edited Elsewhere' }),
    });
    expect(edited.status).toBe(200);
    // Outbox → SNS → cache-invalidator queue → Redis; the cached copy is never served for long.
    await eventually(async () => expect((await read(id)).song.title).toBe('Edited Elsewhere'), 2000, 25);
  });

  it('serves repeated searches from the cache', async () => {
    const query = `/songs/search?q=${encodeURIComponent('cache testers')}&limit=5`;
    const first = await api(query);
    expect(first.status).toBe(200);
    expect(['miss', 'hit']).toContain(first.headers.get('x-cache'));
    await eventually(async () => expect((await api(query)).headers.get('x-cache')).toBe('hit'));
  });
});
