import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { PageCursor } from '#lib/cursor';
import { NotFoundError, ValidationError } from '#lib/errors';
import { POPULARITY } from './index-definition.ts';
import type { SongSearchQuery } from './port.ts';
import {
  BOOSTS,
  DEFAULT_LIMIT,
  decodeSearchCursor as decodeCursor,
  encodeSearchCursor as encodeCursor,
  MAX_LIMIT,
  MAX_QUERY_CHARS,
  needsTypoSearch,
  normalizeQueryText,
  planSongSearch,
  readSongSearch,
  type SongHitSource,
  TOTAL_BOUND,
} from './query.ts';

const plan = (q: string, extra: Partial<SongSearchQuery> = {}) => planSongSearch({ q, limit: 20, ...extra });

/** The bool query that holds the text query, the popularity clause and the filters. */
function scored(request: estypes.SearchRequest): estypes.QueryDslBoolQuery | undefined {
  return request.query?.bool;
}

interface Leaf {
  path: string[];
  value: unknown;
}

function leaves(value: unknown, path: string[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  }
  return [{ path, value }];
}

function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [key, ...keys(item)]);
  }
  return [];
}

/** Where user text may go: the `query` of a `match` (…match.<field>.query) or a `multi_match`. */
function isMatchText(path: string[]): boolean {
  const n = path.length;
  return path[n - 1] === 'query' && (path[n - 2] === 'multi_match' || (path[n - 3] === 'match' && n >= 3));
}

function matchTexts(request: estypes.SearchRequest): string[] {
  return leaves(request.query)
    .filter((leaf) => isMatchText(leaf.path))
    .map((leaf) => leaf.value as string);
}

/** The request with every piece of user text replaced by a marker: its shape alone. */
function shape(request: estypes.SearchRequest): unknown {
  const copy = structuredClone(request);
  const walk = (node: unknown, path: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (isMatchText([...path, key])) (node as Record<string, unknown>)[key] = '<text>';
      else walk(child, [...path, key]);
    }
  };
  walk(copy, []);
  return copy;
}

const HOSTILE = [
  '"',
  '*',
  '\\',
  '(',
  'AND OR NOT',
  'title:foo',
  '{"a":1}',
  'x'.repeat(10_000),
  'word '.repeat(2_000),
  'a\u0000b\u0007c\u001b[31md\r\ne\u2028f\u200bg',
  '"} }, "query_string": { "query": "*" } }',
  'title:(foo OR bar) AND artist:baz~2 ^3 /regex.*/',
  '\uD800 lone surrogate \uDFFF',
  '<script>alert(1)</script>',
  "'; DROP TABLE songs; --",
  '🎤 karaoke ☃ ñandú',
];

describe('normalizeQueryText', () => {
  it('removes control characters, collapses whitespace and trims', () => {
    expect(normalizeQueryText('  dont\u0000 \t stop\n\u0007believin \u200b ')).toBe('dont stop believin');
  });

  it(`caps the text at ${MAX_QUERY_CHARS} characters without splitting one`, () => {
    expect(normalizeQueryText('x'.repeat(10_000))).toHaveLength(MAX_QUERY_CHARS);
    const emoji = normalizeQueryText('🎤'.repeat(300));
    expect(Array.from(emoji)).toHaveLength(MAX_QUERY_CHARS);
    expect(emoji).toBe('🎤'.repeat(MAX_QUERY_CHARS));
  });

  it('replaces lone surrogates', () => {
    expect(normalizeQueryText('a\uD800b\uDFFFc')).toBe('a b c');
  });
});

describe('planSongSearch', () => {
  it('searches as the user types: a prefix of the last word, popularity beside the text, no function_score', () => {
    const { request, mode, typos } = plan('shape of y');
    expect(mode).toBe('relevance');
    expect(typos).toBe(false);
    const json = JSON.stringify(request);
    expect(json).toContain('"type":"bool_prefix"');
    expect(json).not.toContain('fuzziness');
    expect(json).not.toContain('function_score');
    expect(scored(request)?.should).toEqual([
      {
        distance_feature: {
          field: 'popularity',
          origin: 0,
          pivot: `${POPULARITY.pivotMs}ms`,
          boost: POPULARITY.maxScore + POPULARITY.offset,
        },
      },
    ]);
    // A tombstone has no title or credit: no text query matches one, so no filter is needed.
    expect(scored(request)?.filter).toBeUndefined();
    expect(request.sort).toEqual([{ _score: { order: 'desc' } }, { id: { order: 'asc' } }]);
  });

  it('matches words typed without their space or hyphen only with typos, when no song has every word', () => {
    expect(JSON.stringify(plan('jayz crazy').request)).not.toContain('.compact');
    const withTypos = planSongSearch({ q: 'jayz crazy', limit: 20 }, BOOSTS, { typos: true });
    expect(JSON.stringify(withTypos.request)).toContain('title.compact');
  });

  it('matches each word within an edit distance when asked for typos', () => {
    const { request, typos } = planSongSearch({ q: 'shpe of you', limit: 20 }, BOOSTS, { typos: true });
    expect(typos).toBe(true);
    const json = JSON.stringify(request);
    expect(json).toContain('"fuzziness":"AUTO"');
    expect(json).toContain('"prefix_length":1');
    // Otherwise the same request: typos only add clauses.
    expect(matchTexts(request)).toEqual(expect.arrayContaining(matchTexts(plan('shpe of you').request)));
  });

  it('boosts title over artist', () => {
    const json = JSON.stringify(plan('hello adele').request);
    const title = Number(/"title":\{"query":"hello","boost":([\d.]+)\}/.exec(json)?.[1]);
    const artist = Number(/"artists":\{"query":"hello","boost":([\d.]+)\}/.exec(json)?.[1]);
    expect(title).toBeGreaterThan(artist);
  });

  it('lists the most popular songs for an empty query, or one without a letter or digit', () => {
    for (const q of ['', '   ', '"', '*', '\\', '(', '{}', '\u0000\u0007']) {
      const { request, mode } = plan(q);
      expect(mode, JSON.stringify(q)).toBe('popularity');
      expect(request.query).toEqual({ bool: { filter: [{ term: { deleted: false } }] } });
      expect(request.sort).toEqual([{ weeks: { order: 'desc' } }, { id: { order: 'asc' } }]);
    }
  });

  it('treats one character as a prefix only: no typos, no word pairs', () => {
    const { request, mode } = plan(' a ');
    expect(mode).toBe('relevance');
    const json = JSON.stringify(request.query);
    expect(json).not.toContain('fuzziness');
    expect(scored(request)?.must).toEqual([
      { multi_match: { query: 'a', type: 'bool_prefix', fields: ['title^2', 'artist^1'] } },
    ]);
  });

  it('applies every filter, deleted: false for the empty box; with facets, chosen facet values filter the hits only', () => {
    const { request } = plan('love', {
      facets: true,
      decade: 1990,
      genre: 'Pop',
      durationMinMs: 120_000,
      durationMaxMs: 240_000,
      bpmMin: 90,
      bpmMax: 130,
      musicalKey: 'C#m',
      explicit: false,
    });
    expect(scored(request)?.filter).toEqual([
      { range: { durationMs: { gte: 120_000, lte: 240_000 } } },
      { range: { bpm: { gte: 90, lte: 130 } } },
      { term: { musicalKey: 'C#m' } },
    ]);
    expect(request.post_filter).toEqual({
      bool: {
        filter: [
          { term: { decade: 1990 } },
          { term: { genre: { value: 'Pop', case_insensitive: true } } },
          { term: { explicit: false } },
        ],
      },
    });
    // Each facet counts under the other chosen values, not its own.
    expect(request.aggs?.decade?.filter).toEqual({
      bool: {
        filter: [
          { term: { genre: { value: 'Pop', case_insensitive: true } } },
          { term: { explicit: false } },
        ],
      },
    });
    expect(plan('', { bpmMax: 100 }).request.query).toEqual({
      bool: { filter: [{ term: { deleted: false } }, { range: { bpm: { lte: 100 } } }] },
    });
    expect(plan('', { bpmMax: 100 }).request.post_filter).toBeUndefined();
  });

  it('without facets, a chosen facet value is a plain filter and nothing is counted', () => {
    const { request } = plan('love', { decade: 1990, genre: 'Pop', explicit: false, bpmMax: 100 });
    expect(scored(request)?.filter).toEqual([
      { range: { bpm: { lte: 100 } } },
      { term: { decade: 1990 } },
      { term: { genre: { value: 'Pop', case_insensitive: true } } },
      { term: { explicit: false } },
    ]);
    expect(request.post_filter).toBeUndefined();
    expect(request.aggs).toBeUndefined();
    expect(request.track_total_hits).toBe(TOTAL_BOUND);
    expect(request._source).toEqual({ includes: expect.arrayContaining(['id', 'title', 'artist']) });
  });

  it('finds the same songs in the same order with or without facets, so one cursor serves both', () => {
    const query = { q: 'love', limit: 20, decade: 1990, bpmMax: 100 };
    const box = planSongSearch(query);
    const page = planSongSearch({ ...query, facets: true });
    expect(box.fingerprint).toBe(page.fingerprint);
    expect(box.request.sort).toEqual(page.request.sort);
    const cursor = encodeCursor('relevance', box.fingerprint, [2, 'x']);
    expect(planSongSearch({ ...query, cursor, facets: true }).request.search_after).toEqual([2, 'x']);
  });

  it('filters on audio: songs with none include those indexed before media existed', () => {
    expect(plan('', { hasAudio: true }).request.query).toEqual({
      bool: { filter: [{ term: { deleted: false } }, { term: { hasAudio: true } }] },
    });
    expect(plan('', { hasAudio: false }).request.query).toEqual({
      bool: {
        filter: [{ term: { deleted: false } }, { bool: { must_not: { term: { hasAudio: true } } } }],
      },
    });
  });

  it('refuses filters that are not finite numbers', () => {
    expect(() => plan('x', { bpmMin: Number.NaN })).toThrow(ValidationError);
    expect(() => plan('x', { decade: Number.POSITIVE_INFINITY })).toThrow(ValidationError);
  });

  it('asks for facet counts of decade, genre and explicit, and the exact total, only with facets', () => {
    const { request } = plan('x', { facets: true });
    expect(Object.keys(request.aggs ?? {})).toEqual(['decade', 'genre', 'explicit']);
    expect(request.track_total_hits).toBe(true);
    expect(plan('x').request.aggs).toBeUndefined();
  });

  it(`clamps the limit to 1..${MAX_LIMIT} and asks for one hit more to know whether a next page exists`, () => {
    const cases: Array<[number, number]> = [
      [0, 1],
      [-5, 1],
      [7.9, 7],
      [50, 50],
      [51, 50],
      [10_000, 50],
      [Number.NaN, DEFAULT_LIMIT],
    ];
    for (const [asked, limit] of cases) {
      const planned = plan('x', { limit: asked });
      expect(planned.limit, String(asked)).toBe(limit);
      expect(planned.request.size).toBe(limit + 1);
    }
  });

  describe('hostile input', () => {
    for (const q of HOSTILE) {
      const label = JSON.stringify(q.length > 40 ? `${q.slice(0, 40)}… (${q.length} chars)` : q);
      it(`${label} only ever reaches Elasticsearch as the text of match queries`, () => {
        const planned = plan(q);
        const { request, text } = planned;
        expect(Array.from(text).length).toBeLessThanOrEqual(MAX_QUERY_CHARS);
        const forbidden = [
          'query_string',
          'simple_query_string',
          'wildcard',
          'regexp',
          'script',
          'script_score',
        ];
        expect(keys(request).filter((key) => forbidden.includes(key))).toEqual([]);
        if (planned.mode === 'popularity') {
          expect(matchTexts(request)).toEqual([]);
          return;
        }
        // Every piece of user text sits at a match query's `query`, and is the text or one of its words.
        const words = text.split(' ');
        for (const value of matchTexts(request)) expect([text, ...words]).toContain(value);
        // Nothing else in the request depends on the text: with other words of the same count, the
        // request has the very same shape.
        const stand =
          words.length === 1 && Array.from(text).length === 1 ? 'z' : words.map((_, i) => `w${i}`).join(' ');
        expect(shape(request)).toEqual(shape(plan(stand).request));
      });
    }
  });
});

describe('cursor', () => {
  it('round-trips the sort values of the last hit', () => {
    const cursor = encodeCursor('relevance', 'fp', [12.5, 'id-1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'relevance', 'fp')).toEqual([12.5, 'id-1']);
  });

  it('carries whether the first page was searched with typos to the later pages', () => {
    const first = plan('shpe of', { limit: 5 });
    const withTypos = encodeCursor('relevance', first.fingerprint, [3.25, 'abc'], true);
    const without = encodeCursor('relevance', first.fingerprint, [3.25, 'abc']);
    expect(plan('shpe of', { limit: 5, cursor: withTypos }).typos).toBe(true);
    expect(JSON.stringify(plan('shpe of', { limit: 5, cursor: withTypos }).request)).toContain('fuzziness');
    expect(plan('shpe of', { limit: 5, cursor: without }).typos).toBe(false);
  });

  it('is passed on as search_after', () => {
    const first = plan('love', { limit: 5 });
    const cursor = encodeCursor('relevance', first.fingerprint, [3.25, 'abc']);
    expect(plan('love', { limit: 5, cursor }).request.search_after).toEqual([3.25, 'abc']);
  });

  it('names no page of another query, other filters or the other sort (404)', () => {
    const cursor = encodeCursor('relevance', plan('love').fingerprint, [3.25, 'abc']);
    expect(() => plan('hate', { cursor })).toThrow(NotFoundError);
    expect(() => plan('love', { cursor, decade: 1990 })).toThrow(NotFoundError);
    expect(() => plan('', { cursor })).toThrow(NotFoundError);
  });

  it('refuses anything that is not a cursor it issued', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const fingerprint = plan('love').fingerprint;
    const good = encodeCursor('relevance', fingerprint, [1, 'x']);
    const bad = [
      '!!!',
      `${good}x`,
      `${good}A`,
      `x${good}`,
      'a'.repeat(600),
      'bm90IGpzb24',
      encode([1, 2]),
      encode(null),
      encode({ v: 2, m: 'relevance', f: fingerprint, a: [1, 'x'] }),
      encode({ v: 1, m: 'other', f: fingerprint, a: [1, 'x'] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: ['1', 'x'] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: [1, 2] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: [1] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: [1, 'x', 'y'] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: [1, ''] }),
      encode({ v: 1, m: 'relevance', f: fingerprint, a: [1, { $gt: '' }] }),
    ];
    // Not of a cursor's shape: 400; of its shape but not one it issued: 404. Never a search.
    for (const cursor of bad) {
      const refusal = (() => {
        try {
          plan('love', { cursor });
        } catch (error) {
          return error;
        }
      })();
      expect(
        PageCursor.safeParse(cursor).success ? NotFoundError : ValidationError,
        cursor.slice(0, 60),
      ).toBe((refusal as object | undefined)?.constructor);
    }
  });

  it('says what is wrong with it, on the cursor field', () => {
    try {
      plan('love', { cursor: '!!!' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toBe('cursor');
    }
  });
});

describe('readSongSearch', () => {
  const hit = (id: string, score: number): estypes.SearchHit<SongHitSource> => ({
    _index: 'songs-v1-x',
    _id: id,
    _score: score,
    sort: [score, id],
    _source: {
      id,
      title: `Title ${id}`,
      artist: 'Artist',
      year: 2001,
      genre: null,
      durationMs: null,
      explicit: false,
      version: 3,
    },
  });
  /** A facet as the plan asks for it: a filter aggregation around a `values` terms aggregation. */
  const facet = (buckets: Array<{ key: number; key_as_string?: string; doc_count: number }>) =>
    ({
      doc_count: 42,
      values: { buckets, doc_count_error_upper_bound: 0, sum_other_doc_count: 0 },
    }) as unknown as estypes.AggregationsAggregate;
  const response = (count: number): estypes.SearchResponse<SongHitSource> => ({
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: {
      total: { value: 42, relation: 'eq' },
      hits: Array.from({ length: count }, (_, i) => hit(`id-${i}`, 10 - i)),
    },
    aggregations: {
      decade: facet([{ key: 2000, doc_count: 30 }]),
      genre: facet([]),
      explicit: facet([{ key: 0, key_as_string: 'false', doc_count: 42 }]),
    },
  });

  it('returns a page of songs, the total, facets, and a cursor when there is more', () => {
    const planned = plan('love', { limit: 2 });
    const result = readSongSearch(planned, response(3));
    expect(result.items).toEqual([
      {
        id: 'id-0',
        title: 'Title id-0',
        artist: 'Artist',
        year: 2001,
        genre: null,
        durationMs: null,
        explicit: false,
        hasAudio: false,
        version: 3,
      },
      expect.objectContaining({ id: 'id-1' }),
    ]);
    expect(result.total).toBe(42);
    expect(result.facets).toEqual({
      decade: [{ value: '2000', count: 30 }],
      genre: [],
      explicit: [{ value: 'false', count: 42 }],
    });
    expect(result.cursor).not.toBeNull();
    expect(decodeCursor(result.cursor as string, 'relevance', planned.fingerprint)).toEqual([9, 'id-1']);
  });

  it('has no cursor on the last page', () => {
    expect(readSongSearch(plan('love', { limit: 3 }), response(3)).cursor).toBeNull();
  });

  it('says whether the total counts every match', () => {
    const bounded = { ...response(1), hits: { ...response(1).hits, total: { value: 100, relation: 'gte' } } };
    expect(readSongSearch(plan('love'), bounded as estypes.SearchResponse<SongHitSource>)).toMatchObject({
      total: 100,
      totalExact: false,
    });
    expect(readSongSearch(plan('love'), response(1)).totalExact).toBe(true);
  });

  it('has empty facets when the response has no aggregations', () => {
    const { aggregations: _none, ...plain } = response(1);
    expect(readSongSearch(plan('love'), plain).facets).toEqual({ decade: [], genre: [], explicit: [] });
  });
});

describe('needsTypoSearch', () => {
  const answer = (...matched: string[][]) => ({
    hits: { hits: matched.map((names, i) => ({ _index: 'songs', _id: `id-${i}`, matched_queries: names })) },
  });

  it('searches again with typos when no song on the first page has every word typed', () => {
    expect(needsTypoSearch(plan('shpe of you'), answer([], []))).toBe(true);
    expect(needsTypoSearch(plan('despasito'), answer())).toBe(true);
  });

  it('keeps the first answer when some song has every word', () => {
    expect(needsTypoSearch(plan('shape of you'), answer([], ['allWords']))).toBe(false);
  });

  it('never searches again for a later page, one character, an empty box or a search with typos already', () => {
    const cursor = encodeCursor('relevance', plan('shpe of').fingerprint, [1, 'x']);
    expect(needsTypoSearch(plan('shpe of', { cursor }), answer())).toBe(false);
    expect(needsTypoSearch(plan('s'), answer())).toBe(false);
    expect(needsTypoSearch(plan(''), answer())).toBe(false);
    const withTypos = planSongSearch({ q: 'shpe of', limit: 20 }, BOOSTS, { typos: true });
    expect(needsTypoSearch(withTypos, answer())).toBe(false);
  });
});
