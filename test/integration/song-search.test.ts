import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DependencyError, NotFoundError, ValidationError } from '#lib/errors';
import type { Song } from '#services/catalog/contract';
import { esSongIndex } from '#services/catalog/search/es-song-index';
import { INDEX_GENERATION } from '#services/catalog/search/index-definition';
import type { ChangeOutcome, SongChange, SongIndex, SongSearchQuery } from '#services/catalog/search/port';
import { needsTypoSearch, planSongSearch, TOTAL_BOUND } from '#services/catalog/search/query';
import { reindexSongs } from '#services/catalog/search/reindex';
import { type CatalogRow, parseCsv, readCatalog, songFromRow, songId } from '#test/support/relevance/catalog';
import { RELEVANCE_QUERIES } from '#test/support/relevance/queries';

const es = new Client({ node: inject('elasticsearchUrl') });
/** Every index and alias of this file starts with it, so parallel test files never meet. */
const PREFIX = `song-search-${randomBytes(4).toString('hex')}`;

function aliasesFor(name: string) {
  return { readAlias: `${PREFIX}-${name}-songs`, writeAlias: `${PREFIX}-${name}-songs-write` };
}

afterAll(async () => {
  await es.indices.delete({ index: `${PREFIX}-*`, ignore_unavailable: true, allow_no_indices: true });
  await es.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic random source, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let uniqueSong = 0;
function makeSong(fields: Partial<Song> = {}): Song {
  uniqueSong++;
  return {
    ...songFromRow({
      title: `Fixture Song ${uniqueSong}`,
      artist: 'Fixture Band',
      firstWeek: '2001-05-05',
      peak: 50,
      weeks: 5,
    }),
    ...fields,
  };
}

const upsert = (song: Song): SongChange => ({ op: 'upsert', song });
const remove = (id: string, version: number): SongChange => ({ op: 'delete', id, version });
const results = (outcomes: ChangeOutcome[]) => outcomes.map((outcome) => outcome.result);

async function refresh(alias: string) {
  await es.indices.refresh({ index: alias });
}

describe('catalog CSV', () => {
  it('parses quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\nplain,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['plain', ''],
    ]);
  });

  it('reads all 12,694 songs with distinct ids', () => {
    const rows = readCatalog();
    expect(rows).toHaveLength(12_694);
    expect(new Set(rows.map((row) => songId(row.title, row.artist))).size).toBe(rows.length);
    expect(rows).toContainEqual({
      title: 'Missing You (From Set It Off")"',
      artist: 'Brandy, Tamia, Gladys Knight & Chaka Khan',
      firstWeek: '1997-01-04',
      peak: 25,
      weeks: 20,
    });
  });
});

describe('ensureReady', () => {
  it('creates one physical index behind both aliases, however many callers race', async () => {
    const aliases = aliasesFor('ready');
    const index = esSongIndex(es, aliases);
    await Promise.all(Array.from({ length: 5 }, () => index.ensureReady()));
    await index.ensureReady();
    const read = Object.keys(await es.indices.getAlias({ name: aliases.readAlias }));
    const write = await es.indices.getAlias({ name: aliases.writeAlias });
    expect(read).toEqual([`${aliases.readAlias}-v${INDEX_GENERATION}-initial`]);
    expect(Object.keys(write)).toEqual(read);
    expect(write[read[0] as string]?.aliases[aliases.writeAlias]?.is_write_index).toBe(true);
  });

  it('never lets a write create an index by accident where the aliases are missing', async () => {
    const aliases = aliasesFor('missing');
    const index = esSongIndex(es, aliases);
    const song = makeSong();
    const [outcome] = await index.apply([upsert(song)]);
    expect(outcome).toMatchObject({ id: song.id, result: 'failed' });
    expect(await es.indices.exists({ index: aliases.writeAlias })).toBe(false);
  });
});

describe('versioned changes', () => {
  const aliases = aliasesFor('versions');
  const index = esSongIndex(es, aliases);
  beforeAll(() => index.ensureReady());

  it('keeps the newest version: an older upsert arriving later is stale', async () => {
    const v2 = makeSong({ title: 'Version Two', version: 2 });
    const v1 = { ...v2, title: 'Version One', version: 1 };
    expect(await index.apply([upsert(v2)])).toEqual([{ id: v2.id, result: 'applied' }]);
    expect(await index.apply([upsert(v1)])).toEqual([{ id: v2.id, result: 'stale' }]);
    expect(await index.versionOf(v2.id)).toEqual({ version: 2, deleted: false });
    await refresh(aliases.readAlias);
    const found = await index.search({ q: 'version', limit: 10 });
    expect(found.items.filter((item) => item.id === v2.id)).toEqual([
      expect.objectContaining({ title: 'Version Two', version: 2 }),
    ]);
  });

  it('is idempotent: the same batch applied twice changes nothing the second time', async () => {
    const songs = [makeSong({ version: 10 }), makeSong({ version: 11 })];
    const batch = [upsert(songs[0] as Song), upsert(songs[1] as Song), remove(makeSong().id, 12)];
    expect(results(await index.apply(batch))).toEqual(['applied', 'applied', 'applied']);
    expect(results(await index.apply(batch))).toEqual(['stale', 'stale', 'stale']);
    expect(await index.versionOf((songs[0] as Song).id)).toEqual({ version: 10, deleted: false });
  });

  it('answers one outcome per change, in order, even for duplicates within one batch', async () => {
    const song = makeSong({ version: 3 });
    const newer = { ...song, version: 4 };
    const outcomes = await index.apply([upsert(song), upsert(newer), upsert(song), remove(song.id, 2)]);
    expect(outcomes).toEqual([
      { id: song.id, result: 'applied' },
      { id: song.id, result: 'applied' },
      { id: song.id, result: 'stale' },
      { id: song.id, result: 'stale' },
    ]);
    expect(await index.versionOf(song.id)).toEqual({ version: 4, deleted: false });
  });

  it('fails only the change Elasticsearch refuses, with its reason, and applies the others', async () => {
    const good = makeSong({ version: 1 });
    const refused = makeSong({ version: 1, bpm: 70_000 });
    const outcomes = await index.apply([
      upsert(good),
      upsert(refused),
      upsert({ ...makeSong(), version: -1 }),
    ]);
    expect(outcomes[0]).toEqual({ id: good.id, result: 'applied' });
    expect(outcomes[1]).toMatchObject({ id: refused.id, result: 'failed' });
    expect(outcomes[1]?.result === 'failed' && outcomes[1].reason).toMatch(/HTTP 400/);
    expect(outcomes[2]).toMatchObject({ result: 'failed' });
    expect(await index.versionOf(refused.id)).toBeNull();
  });

  it('keeps a delete as a tombstone that beats an older upsert arriving after it', async () => {
    const song = makeSong({ title: 'Tombstoned Tune', version: 3 });
    expect(results(await index.apply([upsert(song), remove(song.id, 5)]))).toEqual(['applied', 'applied']);
    expect(await index.versionOf(song.id)).toEqual({ version: 5, deleted: true });
    expect(results(await index.apply([upsert({ ...song, version: 4 })]))).toEqual(['stale']);
    await refresh(aliases.readAlias);
    expect((await index.search({ q: 'tombstoned tune', limit: 10 })).items).toEqual([]);
    // A newer upsert (the song was restored) wins over the tombstone.
    expect(results(await index.apply([upsert({ ...song, version: 6 })]))).toEqual(['applied']);
    expect(await index.versionOf(song.id)).toEqual({ version: 6, deleted: false });
  });

  it('still refuses the older upsert long after index.gc_deletes, which a real delete would not', async () => {
    await es.indices.putSettings({ index: aliases.writeAlias, settings: { 'index.gc_deletes': '0s' } });
    const song = makeSong({ version: 7 });
    await index.apply([upsert(song), remove(song.id, 9)]);
    // Deleted versions are forgotten on refresh once older than gc_deletes.
    await refresh(aliases.writeAlias);
    await sleep(200);
    await refresh(aliases.writeAlias);
    expect(results(await index.apply([upsert({ ...song, version: 8 })]))).toEqual(['stale']);
    expect(await index.versionOf(song.id)).toEqual({ version: 9, deleted: true });

    // The same sequence with a real delete brings the song back.
    const scratch = `${PREFIX}-gc-probe`;
    await es.indices.create({
      index: scratch,
      settings: { 'index.gc_deletes': '0s', number_of_replicas: 0 },
    });
    const external = { index: scratch, id: song.id, version_type: 'external' as const };
    await es.index({ ...external, version: 7, document: { title: 'v7' } });
    await es.delete({ ...external, version: 9 });
    await es.indices.refresh({ index: scratch });
    await sleep(200);
    await es.indices.refresh({ index: scratch });
    const resurrected = await es.index({ ...external, version: 8, document: { title: 'v8' } });
    expect(resurrected.result).toBe('created');
  });

  it('never returns deleted songs, in results, totals or facets', async () => {
    const songs = Array.from({ length: 4 }, () =>
      makeSong({ title: 'Vanishing Act', genre: 'Vanish', version: 1 }),
    );
    await index.apply(songs.map(upsert));
    await index.apply([remove((songs[0] as Song).id, 2), remove((songs[1] as Song).id, 2)]);
    await refresh(aliases.readAlias);
    const result = await index.search({ q: 'vanishing act', limit: 10, genre: 'vanish', facets: true });
    expect(result.items.map((item) => item.id).sort()).toEqual(
      [(songs[2] as Song).id, (songs[3] as Song).id].sort(),
    );
    expect(result.total).toBe(2);
    expect(result.facets.genre).toEqual([{ value: 'Vanish', count: 2 }]);
    const all = await index.search({ q: '', limit: 50, genre: 'Vanish' });
    expect(all.total).toBe(2);
  });

  it('reports Elasticsearch being unreachable as a DependencyError, so the batch is retried', async () => {
    const down = new Client({ node: 'http://127.0.0.1:9', maxRetries: 0, requestTimeout: 2_000 });
    const unreachable = esSongIndex(down, aliases);
    try {
      await expect(unreachable.apply([upsert(makeSong())])).rejects.toBeInstanceOf(DependencyError);
      await expect(unreachable.search({ q: 'x', limit: 5 })).rejects.toBeInstanceOf(DependencyError);
      await expect(unreachable.versionOf(makeSong().id)).rejects.toBeInstanceOf(DependencyError);
      await expect(unreachable.ensureReady()).rejects.toBeInstanceOf(DependencyError);
    } finally {
      await down.close();
    }
  });
});

describe('filters and facets', () => {
  const aliases = aliasesFor('facets');
  const index = esSongIndex(es, aliases);
  const songs: Song[] = [
    makeSong({
      title: 'Neon Love',
      year: 1985,
      genre: 'Pop',
      bpm: 120,
      durationMs: 200_000,
      musicalKey: 'C',
      explicit: false,
    }),
    makeSong({
      title: 'Neon Nights',
      year: 1989,
      genre: 'Rock',
      bpm: 140,
      durationMs: 260_000,
      musicalKey: 'Am',
      explicit: true,
    }),
    makeSong({
      title: 'Neon Rain',
      year: 1994,
      genre: 'Pop',
      bpm: 95,
      durationMs: 180_000,
      musicalKey: 'C',
      explicit: false,
    }),
    makeSong({
      title: 'Neon Dust',
      year: 1999,
      genre: 'Hip-Hop',
      bpm: 90,
      durationMs: 300_000,
      musicalKey: 'F#m',
      explicit: true,
    }),
    makeSong({
      title: 'Neon Sky',
      year: 2004,
      genre: 'Pop',
      bpm: 128,
      durationMs: 210_000,
      musicalKey: 'G',
      explicit: false,
    }),
    makeSong({
      title: 'Neon Heart',
      year: 2015,
      genre: 'Country',
      bpm: 100,
      durationMs: 240_000,
      musicalKey: 'C',
      explicit: false,
    }),
    makeSong({
      title: 'Neon Ghost',
      year: 2016,
      genre: null,
      bpm: null,
      durationMs: null,
      musicalKey: null,
      explicit: true,
    }),
  ];
  beforeAll(async () => {
    await index.ensureReady();
    await index.apply(songs.map(upsert));
    await refresh(aliases.readAlias);
  });

  const titles = async (query: Partial<SongSearchQuery>) =>
    (await index.search({ q: 'neon', limit: 50, ...query })).items.map((item) => item.title).sort();

  it('filters by decade, genre (any case), duration, bpm, key and explicit', async () => {
    expect(await titles({ decade: 1980 })).toEqual(['Neon Love', 'Neon Nights']);
    expect(await titles({ genre: 'pop' })).toEqual(['Neon Love', 'Neon Rain', 'Neon Sky']);
    expect(await titles({ durationMinMs: 200_000, durationMaxMs: 240_000 })).toEqual([
      'Neon Heart',
      'Neon Love',
      'Neon Sky',
    ]);
    expect(await titles({ bpmMin: 100 })).toEqual(['Neon Heart', 'Neon Love', 'Neon Nights', 'Neon Sky']);
    expect(await titles({ bpmMax: 95 })).toEqual(['Neon Dust', 'Neon Rain']);
    expect(await titles({ musicalKey: 'C' })).toEqual(['Neon Heart', 'Neon Love', 'Neon Rain']);
    expect(await titles({ explicit: true })).toEqual(['Neon Dust', 'Neon Ghost', 'Neon Nights']);
    expect(await titles({ genre: 'Pop', decade: 1990, explicit: false })).toEqual(['Neon Rain']);
    expect(await titles({ genre: 'Polka' })).toEqual([]);
  });

  it('counts facets over the matching songs', async () => {
    const all = await index.search({ q: 'neon', limit: 2, facets: true });
    expect(all.total).toBe(7);
    expect(all.facets).toEqual({
      decade: [
        { value: '1980', count: 2 },
        { value: '1990', count: 2 },
        { value: '2010', count: 2 },
        { value: '2000', count: 1 },
      ],
      genre: [
        { value: 'Pop', count: 3 },
        { value: 'Country', count: 1 },
        { value: 'Hip-Hop', count: 1 },
        { value: 'Rock', count: 1 },
      ],
      explicit: [
        { value: 'false', count: 4 },
        { value: 'true', count: 3 },
      ],
    });
    const pop = await index.search({ q: '', limit: 2, genre: 'Pop', facets: true });
    expect(pop.total).toBe(3);
    expect(pop.facets.decade).toEqual([
      { value: '1980', count: 1 },
      { value: '1990', count: 1 },
      { value: '2000', count: 1 },
    ]);
    expect(pop.facets.explicit).toEqual([{ value: 'false', count: 3 }]);
    // The chosen genre filters the songs but not its own facet: the other genres stay countable.
    expect(pop.facets.genre).toEqual(
      expect.arrayContaining([
        { value: 'Pop', count: 3 },
        { value: 'Country', count: 1 },
      ]),
    );
    const popNineties = await index.search({
      q: 'neon',
      limit: 5,
      genre: 'Pop',
      decade: 1990,
      facets: true,
    });
    expect(popNineties.items.map((item) => item.title)).toEqual(['Neon Rain']);
    expect(popNineties.total).toBe(1);
    expect(popNineties.facets.decade).toEqual([
      { value: '1980', count: 1 },
      { value: '1990', count: 1 },
      { value: '2000', count: 1 },
    ]);
    expect(popNineties.facets.genre.find((facet) => facet.value === 'Pop')).toEqual({
      value: 'Pop',
      count: 1,
    });
    // The search box's shape: the same songs, no counts, the chosen values as plain filters.
    const box = await index.search({ q: 'neon', limit: 5, genre: 'Pop', decade: 1990 });
    expect(box.items).toEqual(popNineties.items);
    expect(box).toMatchObject({
      total: 1,
      totalExact: true,
      facets: { decade: [], genre: [], explicit: [] },
    });
  });
});

describe('search over the Billboard catalog', () => {
  const aliases = aliasesFor('catalog');
  const index = esSongIndex(es, aliases);
  let rows: CatalogRow[] = [];
  const byId = new Map<string, CatalogRow>();

  beforeAll(async () => {
    rows = readCatalog();
    for (const row of rows) byId.set(songId(row.title, row.artist), row);
    await index.ensureReady();
    const started = performance.now();
    const BATCH = 1_000;
    for (let at = 0; at < rows.length; at += BATCH) {
      const outcomes = await index.apply(rows.slice(at, at + BATCH).map((row) => upsert(songFromRow(row))));
      const failed = outcomes.filter((outcome) => outcome.result === 'failed');
      if (failed.length > 0)
        throw new Error(`loading the catalog failed: ${JSON.stringify(failed.slice(0, 3))}`);
    }
    const loadedMs = performance.now() - started;
    await refresh(aliases.readAlias);
    const searchableMs = performance.now() - started;
    console.log(
      `catalog: ${rows.length} songs through apply() in batches of ${BATCH}: ${Math.round(loadedMs)} ms ` +
        `(${Math.round(rows.length / (loadedMs / 1000))} songs/s), searchable after ${Math.round(searchableMs)} ms`,
    );
  });

  it('finds what singers type: hit@1 and hit@5 over realistic queries', async () => {
    expect(RELEVANCE_QUERIES.length).toBeGreaterThanOrEqual(45);
    const lines: string[] = [];
    let top1 = 0;
    let top5 = 0;
    for (const { q, kind, expected } of RELEVANCE_QUERIES) {
      const id = songId(expected.title, expected.artist);
      expect(byId.has(id), `${expected.title} / ${expected.artist} is in the catalog`).toBe(true);
      const { items } = await index.search({ q, limit: 10 });
      const rank = items.findIndex((item) => item.id === id) + 1;
      if (rank === 1) top1++;
      if (rank >= 1 && rank <= 5) top5++;
      const first = rank === 1 ? '' : `   first: ${items[0]?.title ?? '-'} / ${items[0]?.artist ?? '-'}`;
      lines.push(
        `${String(rank || '>10').padStart(4)}  ${kind.padEnd(12)}  ${q.padEnd(30)}  ${expected.title} / ${expected.artist}${first}`,
      );
    }
    const hit1 = top1 / RELEVANCE_QUERIES.length;
    const hit5 = top5 / RELEVANCE_QUERIES.length;
    console.log(
      [
        'rank  kind          query                           expected song',
        ...lines,
        `hit@1 ${hit1.toFixed(3)} (${top1}/${RELEVANCE_QUERIES.length})  hit@5 ${hit5.toFixed(3)} (${top5}/${RELEVANCE_QUERIES.length})`,
      ].join('\n'),
    );
    expect(hit5).toBeGreaterThanOrEqual(0.95);
    // 59 of 64 when the search box stopped counting facets and searching typos on every request.
    expect(hit1).toBeGreaterThanOrEqual(0.92);
  });

  it('searches typos only when no song has every word typed', async () => {
    const firstRequest = async (q: string) => {
      const plan = planSongSearch({ q, limit: 10 });
      return needsTypoSearch(plan, await es.search({ index: aliases.readAlias, ...plan.request }));
    };
    for (const q of ['shape of y', 'dont stop beli', 'taylor swift', 'hello adele']) {
      expect(await firstRequest(q), q).toBe(false);
    }
    for (const q of ['shpe of you', 'despasito', 'umbrela', 'hotline blign']) {
      expect(await firstRequest(q), q).toBe(true);
    }
  });

  it('lists the most popular songs for an empty query, with facets over the whole catalog', async () => {
    const result = await index.search({ q: '', limit: 20, facets: true });
    expect(result.total).toBe(rows.length);
    const weeks = result.items.map((item) => byId.get(item.id)?.weeks ?? -1);
    expect(weeks).toEqual([...weeks].sort((a, b) => b - a));
    expect(weeks[0]).toBe(Math.max(...rows.map((row) => row.weeks)));
    const decades = new Map<string, number>();
    for (const row of rows) {
      const decade = String(Math.floor(Number(row.firstWeek.slice(0, 4)) / 10) * 10);
      decades.set(decade, (decades.get(decade) ?? 0) + 1);
    }
    expect(new Map(result.facets.decade.map((facet) => [facet.value, facet.count]))).toEqual(decades);
    expect(result.facets.explicit).toEqual([{ value: 'false', count: rows.length }]);
    expect(result.facets.genre).toEqual([]);
  });

  it('treats one character as the start of a title or artist word', async () => {
    const result = await index.search({ q: 'z', limit: 50 });
    expect(result.total).toBeGreaterThan(50);
    for (const item of result.items) {
      expect(`${item.title} ${item.artist}`, item.title).toMatch(/(^|[^\p{L}\p{N}])z/iu);
    }
    const scores = result.items.map((item) => byId.get(item.id)?.weeks ?? 0);
    expect(scores[0]).toBeGreaterThanOrEqual(scores[scores.length - 1] as number);
  });

  it('answers hostile input like any other text, without an error', async () => {
    const hostile = [
      '"',
      '*',
      '\\',
      '(',
      'AND OR NOT',
      'title:foo',
      'artist:adele',
      '{"a":1}',
      'x'.repeat(10_000),
      'love '.repeat(2_000),
      'a\u0000b\u0007c\u001b[31md\r\ne',
      '"} }, "query_string": { "query": "*" } }',
      'title:(foo OR bar) AND artist:baz~2 ^3 /regex.*/',
      '\uD800 lone surrogate \uDFFF',
      '🎤 ☃ ñandú',
      `${'a'.repeat(199)}é`,
    ];
    for (const q of hostile) {
      const result = await index.search({ q, limit: 10 });
      expect(Array.isArray(result.items), q.slice(0, 40)).toBe(true);
      expect(result.total).toBeGreaterThanOrEqual(result.items.length);
    }
    // Query syntax is just text: `title:foo` is not a field query, `*` is not a wildcard.
    expect((await index.search({ q: '*', limit: 5, facets: true })).total).toBe(rows.length);
    expect(
      (await index.search({ q: 'artist:adele', limit: 5 })).items.map((item) => item.artist),
    ).not.toContain('Adele');
  });

  it('walks every hit of a query page by page, without duplicates or gaps', async () => {
    for (const query of [
      { q: 'love', limit: 50 },
      { q: 'the', limit: 37 },
      { q: '', limit: 50, decade: 2020 },
    ] as SongSearchQuery[]) {
      const planned = planSongSearch(query);
      const everything = await es.search({
        index: aliases.readAlias,
        ...planned.request,
        size: 10_000,
        _source: false,
      });
      const expected = everything.hits.hits.map((hit) => hit._id);
      const walked: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        // Pages of both shapes in turn: one cursor serves both.
        const facets = pages % 2 === 0;
        const page = await index.search({ ...query, cursor, facets });
        if (facets || expected.length <= TOTAL_BOUND) {
          expect(page).toMatchObject({ total: expected.length, totalExact: true });
        } else {
          expect(page).toMatchObject({ total: TOTAL_BOUND, totalExact: false });
        }
        walked.push(...page.items.map((item) => item.id));
        cursor = page.cursor ?? undefined;
        pages++;
      } while (cursor && pages < 1_000);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / query.limit)));
    }
  });

  it('answers a cursor that was tampered with or belongs to another query as naming no page', async () => {
    const first = await index.search({ q: 'love', limit: 5 });
    const cursor = first.cursor as string;
    await expect(index.search({ q: 'hate', limit: 5, cursor })).rejects.toBeInstanceOf(NotFoundError);
    await expect(index.search({ q: 'love', limit: 5, cursor: `${cursor}x` })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(index.search({ q: 'love', limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const second = await index.search({ q: 'love', limit: 5, cursor });
    expect(second.items.map((item) => item.id)).not.toContain(first.items[0]?.id);
  });
});

describe('reindex', () => {
  it('loses no change made while it runs, and never goes back to an older version', async () => {
    const aliases = aliasesFor('reindex');
    const index = esSongIndex(es, aliases);
    await index.ensureReady();
    const rnd = random(20_260_822);
    const catalog = readCatalog();

    // The source of truth, as PostgreSQL holds it: every song with its latest version from one
    // global sequence; deleted songs stay as rows marked deleted.
    let sequence = 0;
    const db = new Map<string, { song: Song; deleted: boolean }>();
    const commit = (song: Song, deleted: boolean): SongChange => {
      const version = ++sequence;
      db.set(song.id, { song: { ...song, version }, deleted });
      return deleted ? remove(song.id, version) : upsert({ ...song, version });
    };
    const current = (id: string): SongChange => {
      const row = db.get(id);
      if (!row) throw new Error(`no song ${id}`);
      return row.deleted ? remove(id, row.song.version) : upsert(row.song);
    };

    const initial = catalog.slice(0, 3_000).map((row) => commit(songFromRow(row), false));
    await index.apply(initial);
    const ids = [...db.keys()];
    const goneBefore = ids.slice(0, 100).map((id) => commit((db.get(id) as { song: Song }).song, true));
    await index.apply(goneBefore);
    // Deleted before the reindex and purged from the database since: only its tombstone remembers it.
    const purgedId = ids[0] as string;
    const purgedVersion = (db.get(purgedId) as { song: Song }).song.version;
    db.delete(purgedId);

    // Live writes: edits, deletes, restores and new songs, each committed first and then delivered
    // like SQS would: shuffled, some twice, some old ones again much later.
    let running = true;
    let writes = 0;
    /** Deliveries beyond the first of a change (in its own batch, or much later), and what they met. */
    let repeatedDeliveries = 0;
    let lateDeliveries = 0;
    let staleOutcomes = 0;
    const delivered: SongChange[] = [];
    let nextNew = 3_000;
    const writer = (async () => {
      while (running) {
        const changes: SongChange[] = [];
        for (let i = 0; i < 20; i++) {
          const roll = rnd();
          if (roll < 0.1) {
            changes.push(commit(songFromRow(catalog[nextNew++] as CatalogRow), false));
            continue;
          }
          const id = ids[1 + Math.floor(rnd() * (ids.length - 1))] as string;
          const row = db.get(id) as { song: Song; deleted: boolean };
          if (row.deleted) changes.push(commit(row.song, false));
          else if (roll < 0.35) changes.push(commit(row.song, true));
          else
            changes.push(
              commit({ ...row.song, title: `${row.song.title.split(' ~')[0]} ~${sequence}` }, false),
            );
        }
        const late = delivered.filter(() => rnd() < 0.02);
        const delivery = [...changes, ...changes.filter(() => rnd() < 0.2), ...late].sort(() => rnd() - 0.5);
        const outcomes = await index.apply(delivery);
        expect(outcomes.filter((outcome) => outcome.result === 'failed')).toEqual([]);
        repeatedDeliveries += delivery.length - changes.length - late.length;
        lateDeliveries += late.length;
        staleOutcomes += outcomes.filter((outcome) => outcome.result === 'stale').length;
        delivered.push(...changes);
        writes += changes.length;
        await sleep(2);
      }
    })();

    // Reads the database page by page after the write alias moved, as a cursor over the songs table.
    async function* source(): AsyncGenerator<SongChange[]> {
      const keys = [...db.keys()];
      for (let at = 0; at < keys.length; at += 250) {
        await sleep(15);
        yield keys.slice(at, at + 250).map(current);
      }
    }

    const before = Object.keys(await es.indices.getAlias({ name: aliases.readAlias }));
    let progressCalls = 0;
    const started = performance.now();
    let writesAtStart = 0;
    const result = await reindexSongs(es, source, {
      ...aliases,
      progress: () => {
        if (progressCalls++ === 0) writesAtStart = writes;
      },
    });
    const tookMs = performance.now() - started;
    await sleep(50);
    running = false;
    await writer;
    console.log(
      `reindex: ${result.documents} changes copied in ${Math.round(tookMs)} ms, ` +
        `${writes - writesAtStart} live writes meanwhile (${writes} in all)`,
    );

    expect(writes - writesAtStart).toBeGreaterThan(100);
    // The index did meet duplicates and old changes arriving again, and kept the newer versions.
    expect(repeatedDeliveries).toBeGreaterThan(0);
    expect(lateDeliveries).toBeGreaterThan(0);
    expect(staleOutcomes).toBeGreaterThanOrEqual(repeatedDeliveries);
    expect(progressCalls).toBeGreaterThan(1);
    expect(result.previous).toEqual(before[0]);
    expect(result.index).toMatch(new RegExp(`^${aliases.readAlias}-v${INDEX_GENERATION}-`));
    expect(Object.keys(await es.indices.getAlias({ name: aliases.readAlias }))).toEqual([result.index]);
    expect(Object.keys(await es.indices.getAlias({ name: aliases.writeAlias }))).toEqual([result.index]);
    expect(await es.indices.exists({ index: before[0] as string })).toBe(false);

    // Every song holds exactly the version the database last wrote: nothing lost, nothing older.
    const { docs } = await es.mget<{ deleted: boolean }>({
      index: aliases.readAlias,
      ids: [...db.keys()],
      _source_includes: ['deleted'],
    });
    const drift = docs.flatMap((doc) => {
      const row = db.get(doc._id) as { song: Song; deleted: boolean };
      const found =
        'found' in doc && doc.found ? { version: doc._version, deleted: doc._source?.deleted } : null;
      return found?.version === row.song.version && found.deleted === row.deleted
        ? []
        : [{ id: doc._id, expected: { version: row.song.version, deleted: row.deleted }, found }];
    });
    expect(drift).toEqual([]);

    // The purged song's tombstone came along: its old upsert cannot bring it back.
    expect(await index.versionOf(purgedId)).toEqual({ version: purgedVersion, deleted: true });
    const stale = initial.find(
      (change) => change.op === 'upsert' && change.song.id === purgedId,
    ) as SongChange;
    expect(results(await index.apply([stale]))).toEqual(['stale']);

    await refresh(aliases.readAlias);
    const live = [...db.values()].filter((row) => !row.deleted).length;
    expect((await index.search({ q: '', limit: 1, facets: true })).total).toBe(live);
  }, 120_000);

  it('builds the first index when there is none yet, and can keep the previous one', async () => {
    const aliases = aliasesFor('fresh');
    const songs = Array.from({ length: 30 }, () => makeSong({ title: 'Fresh Start', version: 1 }));
    async function* source(): AsyncGenerator<SongChange[]> {
      yield songs.map(upsert);
    }
    const first = await reindexSongs(es, source, aliases);
    expect(first).toMatchObject({ previous: null, documents: 30 });
    const index: SongIndex = esSongIndex(es, aliases);
    await index.ensureReady();
    expect((await index.search({ q: 'fresh start', limit: 50 })).total).toBe(30);

    await sleep(2);
    const second = await reindexSongs(es, source, { ...aliases, keepPrevious: true });
    expect(second.previous).toBe(first.index);
    expect(await es.indices.exists({ index: first.index })).toBe(true);
    expect(Object.keys(await es.indices.getAlias({ name: aliases.readAlias }))).toEqual([second.index]);
  });
});
