import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { SongSearchResult } from '../../bff/routes/shapes.ts';
import { stackActorTokens } from '../support/actor-tokens.ts';
import { freePort } from '../support/child.ts';
import { eventually } from '../support/sync-fixture.ts';

interface SearchBody {
  items: Array<{ id: string; title: string }>;
  total: number;
  totalExact: boolean;
  facets: { decade: unknown[]; genre: unknown[]; explicit: unknown[] };
}

describe('search through the BFF after a write', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let curator: string;
  const serviceTokens = stackActorTokens(inject('localEnv'));

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    sync = await startLocalSync({ env: inject('localEnv') });
    curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
  });

  afterAll(async () => {
    await sync?.stop();
    await server?.close();
  });

  const search = async (query: string) => {
    const response = await fetch(`${server.url}/api/songs/search?${query}`);
    expect(response.status).toBe(200);
    return { cache: response.headers.get('x-cache'), body: (await response.json()) as SearchBody };
  };
  const word = () => `freshprobe${Math.random().toString(36).slice(2, 8)}`;

  it('shows a song written by another service in an answer cached before the write, once it is indexed', async () => {
    const probe = word();
    expect((await search(`q=${probe}`)).body.items).toEqual([]);
    // Written past the BFF (no invalidation of its own): only the change chain can refresh the answer.
    const response = await fetch(`${server.internalUrl}/internal/catalog/songs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await serviceTokens('catalog')) },
      body: JSON.stringify({ title: `${probe} Song`, artist: 'Fresh Probe' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await eventually(async () => {
      expect((await search(`q=${probe}`)).body.items.map((item) => item.id)).toEqual([id]);
    }, 20_000);
  });

  it("shows a curator's new song to the same query asked just before the write", async () => {
    const probe = word();
    expect((await search(`q=${probe}`)).body.total).toBe(0);
    const response = await fetch(`${server.url}/api/songs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${curator}` },
      body: JSON.stringify({ title: `${probe} Song`, artist: 'Fresh Probe' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await eventually(async () => {
      expect((await search(`q=${probe}`)).body.items.map((item) => item.id)).toEqual([id]);
    }, 20_000);
  });

  it('answers the search box without facets and a results page with them, both valid for the API description', async () => {
    const box = (await search('q=a')).body;
    // The schema the API description is made from.
    expect(SongSearchResult.safeParse(box).success).toBe(true);
    expect(box.facets).toEqual({ decade: [], genre: [], explicit: [] });
    expect(typeof box.totalExact).toBe('boolean');
    const page = (await search('q=a&facets=true')).body;
    expect(SongSearchResult.safeParse(page).success).toBe(true);
    expect(page.totalExact).toBe(true);
    expect(page.total).toBeGreaterThanOrEqual(box.total);
    const refused = await fetch(`${server.url}/api/songs/search?q=a&facets=yes`);
    expect(refused.status).toBe(400);
  });
});
