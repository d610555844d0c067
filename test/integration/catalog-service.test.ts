import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogApp } from '#services/catalog/app';
import { createCatalogService } from '#services/catalog/service';
import { actorTokenHeaders, testCallers } from '#test/support/actor-tokens';
import { createSyncFixture, quietLog, type SyncFixture } from '../support/sync-fixture.ts';

let fx: SyncFixture;
let app: ReturnType<typeof createCatalogApp>;

beforeAll(async () => {
  fx = await createSyncFixture();
  app = createCatalogApp({
    catalog: createCatalogService({ songs: fx.songs, index: fx.index }),
    media: fx.media,
    log: quietLog,
    callers: testCallers,
  });
});

afterAll(() => fx.close());

const base = '/internal/catalog/songs';
const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...(await actorTokenHeaders('catalog')), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const songCount = async () =>
  (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM songs'))[0]?.n;
const outboxCount = async () =>
  (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]?.n;

describe('catalog service over HTTP', () => {
  it('creates, reads, partially updates and soft-deletes a song, each write with a new version', async () => {
    const created = await send('POST', base, {
      title: 'Mr. Brightside',
      artist: 'The Killers',
      year: 2004,
      tags: ['rock', 'anthem'],
    });
    expect(created.status).toBe(201);
    const song = (await created.json()) as { id: string; version: number; tags: string[]; explicit: boolean };
    expect(song).toMatchObject({ tags: ['rock', 'anthem'], explicit: false });
    expect((await (await send('GET', `${base}/${song.id}`)).json()) as object).toMatchObject({
      title: 'Mr. Brightside',
    });
    const patched = (await (
      await send('PATCH', `${base}/${song.id}`, { bpm: 148, musicalKey: 'Db' })
    ).json()) as {
      version: number;
      title: string;
      bpm: number;
    };
    expect(patched).toMatchObject({ title: 'Mr. Brightside', bpm: 148 });
    expect(patched.version).toBeGreaterThan(song.version);
    expect((await send('DELETE', `${base}/${song.id}`)).status).toBe(204);
    expect((await send('GET', `${base}/${song.id}`)).status).toBe(404);
    expect((await send('DELETE', `${base}/${song.id}`)).status).toBe(404);
  });

  it('answers field-level problems for invalid songs and writes nothing', async () => {
    const [songsBefore, outboxBefore] = [await songCount(), await outboxCount()];
    const response = await send('POST', base, {
      title: '',
      artist: 'x'.repeat(301),
      bpm: 9000,
      musicalKey: 'H#',
      surprise: true,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { issues: Array<{ path: string }> };
    expect(problem.issues.map((issue) => issue.path).sort()).toEqual(
      expect.arrayContaining(['artist', 'bpm', 'musicalKey', 'title']),
    );
    expect(await songCount()).toBe(songsBefore);
    expect(await outboxCount()).toBe(outboxBefore);
  });

  it.each([
    ['malformed JSON', '{"title": "x",'],
    ['a JSON array', '[1,2,3]'],
    ['an empty patch', '{}'],
  ])('rejects %s with a 400 problem', async (_, body) => {
    const path = body === '{}' ? `${base}/00000000-0000-4000-8000-000000000000` : base;
    const response = await send(body === '{}' ? 'PATCH' : 'POST', path, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400 });
  });

  it('refuses text storage cannot hold (NUL, control characters, unpaired surrogates) with a 400 per field, writing nothing', async () => {
    const songsBefore = await songCount();
    const outboxBefore = await outboxCount();
    for (const bad of ['Bad\u0000Title', 'Bell\u0007', 'Half \uD83C', '\u001b[31mred']) {
      for (const [field, body] of [
        ['title', { title: bad, artist: 'Someone' }],
        ['artist', { title: `Fine ${bad.length}`, artist: bad }],
        ['tags.0', { title: 'Tagged', artist: 'Someone', tags: [bad] }],
      ] as const) {
        const response = await send('POST', base, body);
        expect(response.status, `${field} ${JSON.stringify(bad)}`).toBe(400);
        const problem = (await response.json()) as { issues: Array<{ path: string }> };
        expect(problem.issues.map((issue) => issue.path)).toContain(field);
      }
      // A URL cannot carry an unpaired surrogate at all; the others must not reach the search.
      if (bad.isWellFormed()) {
        expect((await send('GET', `${base}/search?q=${encodeURIComponent(bad)}`)).status).toBe(400);
      }
    }
    expect(await songCount()).toBe(songsBefore);
    expect(await outboxCount()).toBe(outboxBefore);
  });

  it('refuses an oversized body with 413 and writes nothing', async () => {
    const before = await songCount();
    const response = await send('POST', base, {
      title: 'Big',
      artist: 'Body',
      album: 'x'.repeat(3 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(await songCount()).toBe(before);
  });

  it('rejects a song id that is not a uuid instead of reaching SQL', async () => {
    const response = await send('GET', `${base}/1%27%20OR%201=1--`);
    expect(response.status).toBe(400);
  });

  it('looks up many songs in one call, leaving out unknown and deleted ids', async () => {
    const made = await Promise.all(
      ['Lookup One', 'Lookup Two', 'Lookup Three'].map(async (title) => {
        const response = await send('POST', base, { title, artist: 'Lookup Band' });
        return ((await response.json()) as { id: string }).id;
      }),
    );
    const [one, two, three] = made as [string, string, string];
    expect((await send('DELETE', `${base}/${three}`)).status).toBe(204);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const response = await send('POST', `${base}/lookup`, { ids: [one, unknown, two, three, one] });
    expect(response.status).toBe(200);
    const { songs } = (await response.json()) as { songs: Array<{ id: string; title: string }> };
    expect(songs.map((song) => song.title).sort()).toEqual(['Lookup One', 'Lookup Two']);
  });

  it.each([
    ['no ids', { ids: [] }],
    ['too many ids', { ids: Array.from({ length: 1001 }, () => '00000000-0000-4000-8000-000000000000') }],
    ['an id that is not a uuid', { ids: ["1' OR '1'='1"] }],
    ['an unknown field', { ids: ['00000000-0000-4000-8000-000000000000'], all: true }],
  ])('refuses a lookup with %s with a 400', async (_, body) => {
    const response = await send('POST', `${base}/lookup`, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('stores hostile text verbatim, as data', async () => {
    const title = `Robert'); DROP TABLE songs;-- <script>alert(1)</script> ${'\u202e'}`;
    const response = await send('POST', base, { title, artist: '"Little Bobby" \\ Tables' });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect(((await (await send('GET', `${base}/${id}`)).json()) as { title: string }).title).toBe(title);
  });

  it('answers 409 for a second song with the same title and artist', async () => {
    await send('POST', base, { title: 'Duplicate Me', artist: 'Twice' });
    const response = await send('POST', base, { title: 'duplicate me', artist: 'TWICE' });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ detail: expect.stringMatching(/already in the catalog/) });
  });

  it('imports idempotently on (title, artist) and refreshes only changed chart facts', async () => {
    const batch = [
      { title: 'Import One', artist: 'Loader', peak: 10, weeks: 3, firstWeek: '1999-01-02' },
      { title: 'Import Two', artist: 'Loader', peak: 5, weeks: 8 },
    ];
    expect(await (await send('POST', `${base}/import`, { songs: batch })).json()).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
    });
    const outboxAfterFirst = await outboxCount();
    expect(await (await send('POST', `${base}/import`, { songs: batch })).json()).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 2,
    });
    expect(await outboxCount()).toBe(outboxAfterFirst);
    const changed = [{ ...batch[0], weeks: 4 }, batch[1]];
    expect(await (await send('POST', `${base}/import`, { songs: changed })).json()).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 1,
    });
  });

  it('rejects a whole import batch with an invalid row, naming the row, and writes nothing', async () => {
    const before = await songCount();
    const response = await send('POST', `${base}/import`, {
      songs: [
        { title: 'Fine', artist: 'Row' },
        { title: 'Bad peak', artist: 'Row', peak: 101 },
      ],
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('songs.1.peak');
    expect(await songCount()).toBe(before);
  });

  it('answers searches with hostile or empty input without errors', async () => {
    for (const q of [
      '',
      'a',
      '"',
      '*',
      '\\',
      'title:(foo OR bar) AND NOT baz~2',
      'x'.repeat(5000),
      '{"query":1}',
    ]) {
      const response = await send('GET', `${base}/search?q=${encodeURIComponent(q)}`);
      expect(response.status, q.slice(0, 40)).toBe(200);
    }
    expect((await send('GET', `${base}/search?limit=51`)).status).toBe(400);
    expect((await send('GET', `${base}/search?cursor=not-a-cursor`)).status).toBe(400);
  });
});
