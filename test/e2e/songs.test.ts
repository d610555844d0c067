import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { eventually } from '../support/sync-fixture.ts';

describe('songs over HTTP: a curator writes, everyone finds it in search', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let curator: string;
  let singer: string;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    sync = await startLocalSync({ env: inject('localEnv') });
    curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
    singer = await issueLocalAccessToken(server.oidcIssuer, 'singer1');
  });

  afterAll(async () => {
    await sync?.stop();
    await server?.close();
  });

  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const search = async (q: string) =>
    (await (await api(`/songs/search?q=${encodeURIComponent(q)}`)).json()) as {
      items: Array<{ id: string; title: string; version: number }>;
    };

  it('makes a new song searchable by prefix within seconds, then its edit, then its removal', async () => {
    const created = await api('/songs', curator, {
      method: 'POST',
      body: JSON.stringify({
        title: 'Zyxwv Anthem',
        artist: 'The Placeholders',
        genre: 'pop',
        durationMs: 201_000,
      }),
    });
    expect(created.status).toBe(201);
    const song = (await created.json()) as { id: string; version: number };
    await eventually(
      async () => expect((await search('zyxw')).items.map((item) => item.id)).toContain(song.id),
      10_000,
    );

    const edited = await api(`/songs/${song.id}`, curator, {
      method: 'PATCH',
      body: JSON.stringify({ title: 'Zyxwv Ballad' }),
    });
    expect(edited.status).toBe(200);
    await eventually(
      async () => expect((await search('zyxwv ballad')).items[0]?.title).toBe('Zyxwv Ballad'),
      10_000,
    );

    expect((await api(`/songs/${song.id}`, curator, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/songs/${song.id}`)).status).toBe(404);
    await eventually(
      async () => expect((await search('zyxwv')).items.map((item) => item.id)).not.toContain(song.id),
      10_000,
    );
  });

  it('keeps song writes to curators and answers problems a front end can show', async () => {
    const body = JSON.stringify({ title: 'Not Allowed', artist: 'Singer' });
    expect((await api('/songs', undefined, { method: 'POST', body })).status).toBe(401);
    const forbidden = await api('/songs', singer, { method: 'POST', body });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toBe('application/problem+json');
    const invalid = await api('/songs', curator, {
      method: 'POST',
      body: JSON.stringify({ title: 'x', artist: 'y', year: 3000 }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ issues: [{ path: 'year' }] });
    const missing = await api('/songs/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ detail: expect.stringMatching(/No song with id/) });
  });

  it('answers hostile search input without errors', async () => {
    for (const q of ['"', '*', '\\', 'AND OR NOT', 'title:x^9', '🎤'.repeat(300)]) {
      const response = await api(`/songs/search?q=${encodeURIComponent(q)}`);
      expect(response.status, q.slice(0, 20)).toBe(200);
    }
    expect((await api('/songs/search?limit=500')).status).toBe(400);
  });
});
