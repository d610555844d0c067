import { createHash } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import * as z from 'zod';
import { decodeCursor, encodeCursor, unknownCursor } from '#lib/cursor';
import { ValidationError } from '#lib/errors';
import { POPULARITY } from './index-definition.ts';
import type { FacetCount, SongSearchQuery, SongSearchResult } from './port.ts';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;
/** Longer input is cut: nobody types more into a search box, and each word costs query clauses. */
export const MAX_QUERY_CHARS = 200;

/**
 * `relevance`: the user typed something; best match first, then id.
 * `popularity`: the box is empty (or holds no letter or digit); most weeks on the chart first, then id.
 */
export type SearchMode = 'relevance' | 'popularity';

/** What the search returns per hit: the displayed fields of a song. */
const RESULT_FIELDS = [
  'id',
  'title',
  'artist',
  'year',
  'genre',
  'durationMs',
  'explicit',
  'hasAudio',
  'version',
];

/**
 * Weights, in one place. Every field scores "is the word there" (no term frequencies, no length
 * norms; see the index definition), so a clause scores the rarity (idf) of the words it finds times
 * its weight, and the weights read directly:
 *
 * - Each typed word counts once, where it fits best (a `dis_max` over the fields): in the title
 *   (`title`), in the credit (`artist`), as the start of a title or credit word when it is the last
 *   word typed (`prefix` of that), or within the AUTO edit distance (`fuzzy` of that). Exact beats
 *   prefix beats fuzzy, so a typo only decides when nothing matches exactly.
 * - `allWords`: the song has every word typed (the last one as a prefix), in its title and credit
 *   together: `hello adele` prefers Adele's Hello to every other Hello. No typos here: a fuzzy
 *   expansion would count `taylor` twice in `Taylor's Version` by Taylor Swift.
 * - `inOrder`: words typed in order appear in that order (word pairs and triples).
 * - `compact`: words typed together that the title or credit spells apart (`jayz` → `Jay-Z`); only
 *   with `typos`: such a word matches no word as typed, so no song has every word and the typo search
 *   runs (see {@link needsTypoSearch}).
 * - `popularity`: added to the text score, the song's popularity as the index stores it (weeks on
 *   the chart, log-scaled, and a bonus for a top-10 peak; see `POPULARITY` in the index definition).
 *   It orders songs that match equally well and cannot lift a clearly weaker text match.
 */
export const BOOSTS = {
  title: 2,
  artist: 1,
  prefix: 0.9,
  fuzzy: 0.3,
  allWords: 1,
  inOrder: 0.5,
  compact: 0.5,
  popularity: 1,
};

/** Words beyond this many still count for `allWords` and `inOrder`, just not one by one. */
export const MAX_SCORED_WORDS = 12;

/**
 * A search-box search counts matches up to this many and then says "at least" (`totalExact`
 * false): counting every match costs as much as finding the page, and a box shows "100+" as well.
 */
export const TOTAL_BOUND = 100;

/** The name of the `allWords` clause, as hits report it in `matched_queries`. */
const ALL_WORDS = 'allWords';

export type SearchBoosts = typeof BOOSTS;

export interface SongSearchPlan {
  /** The search request without its index. */
  request: estypes.SearchRequest;
  mode: SearchMode;
  /** Page size after clamping; the request asks for one more hit to know whether a next page exists. */
  limit: number;
  /** Ties a cursor to the search that issued it. */
  fingerprint: string;
  /** The query text as searched: control characters removed, whitespace collapsed, capped. */
  text: string;
  /** Whether typed words also match within an edit distance (see {@link needsTypoSearch}). */
  typos: boolean;
  /** Whether the request counts facets and every match. */
  facets: boolean;
  /** Whether the search starts at a cursor (a later page keeps the first page's `typos`). */
  continued: boolean;
}

/**
 * Cleans what the user typed: lone surrogates and control characters become spaces, whitespace runs
 * collapse, and the text is cut to {@link MAX_QUERY_CHARS} characters (never inside a character).
 */
export function normalizeQueryText(q: string): string {
  const cleaned = String(q ?? '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ' ')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(cleaned).slice(0, MAX_QUERY_CHARS).join('').trim();
}

export function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/**
 * Builds the Elasticsearch request for a search-box query. Pure: no I/O, no clock.
 *
 * Two shapes. By default the request asks for what a search box shows and nothing more: the page
 * of songs (their displayed fields only), a total counted up to {@link TOTAL_BOUND}, no facet
 * counts; a value chosen in a facet is then a plain filter. With `facets` it also counts every
 * match and each facet's values (a results page). Both find and order the same songs, so a cursor
 * from one continues in the other.
 *
 * `typos` adds the fuzzy match of each word; a first page is searched without it and again with
 * it only when {@link needsTypoSearch} says so. A cursor carries the choice to the later pages.
 */
export function planSongSearch(
  query: SongSearchQuery,
  boosts: SearchBoosts = BOOSTS,
  options: { typos?: boolean } = {},
): SongSearchPlan {
  const text = normalizeQueryText(query.q);
  const mode: SearchMode = /[\p{L}\p{N}]/u.test(text) ? 'relevance' : 'popularity';
  const limit = clampLimit(query.limit);
  const { narrowing, facetFilters } = filterClauses(query, mode);
  const fingerprint = fingerprintOf(mode === 'relevance' ? text : '', [
    ...narrowing,
    ...Object.values(facetFilters),
  ]);
  const continued = query.cursor !== undefined && query.cursor !== '';
  const position = continued ? readSearchCursor(query.cursor as string, mode, fingerprint) : undefined;
  const typos = position?.typos ?? options.typos ?? false;
  const facets = query.facets === true;
  const chosen = Object.values(facetFilters);
  // Without facet counts, a chosen facet value narrows like any other filter.
  const filter = facets ? narrowing : [...narrowing, ...chosen];

  const request: estypes.SearchRequest = {
    size: limit + 1,
    track_total_hits: facets ? true : TOTAL_BOUND,
    _source: { includes: RESULT_FIELDS },
    query:
      mode === 'relevance'
        ? {
            bool: {
              must: [textQuery(text, boosts, typos)],
              should: [popularityQuery(boosts)],
              ...(filter.length > 0 ? { filter } : {}),
            },
          }
        : { bool: { filter } },
    sort:
      mode === 'relevance'
        ? [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }]
        : [{ weeks: { order: 'desc' } }, { id: { order: 'asc' } }],
  };
  if (facets) {
    request.aggs = facetAggregations(facetFilters);
    if (chosen.length > 0) request.post_filter = { bool: { filter: chosen } };
  }
  if (position) request.search_after = position.after;
  return { request, mode, limit, fingerprint, text, typos, facets, continued };
}

/**
 * Whether a first page searched without typos should be searched again with them: when no song
 * on it has every word typed (the last one as a prefix), some word matched nothing as typed, so a
 * typo (or a word typed without its space, see `compact`) is likely and may decide. When some song
 * has every word, typos are left out: a fuzzy match only ever ranks below an exact one, and the
 * fuzzy clauses are most of what a search costs.
 */
export function needsTypoSearch(
  plan: SongSearchPlan,
  response: Pick<estypes.SearchResponse<unknown>, 'hits'>,
): boolean {
  if (plan.typos || plan.continued || plan.mode !== 'relevance' || !hasWordClauses(plan.text)) return false;
  return !response.hits.hits.some((hit) => matchedNames(hit.matched_queries).includes(ALL_WORDS));
}

function matchedNames(matched: string[] | Record<string, number> | undefined): string[] {
  if (matched === undefined) return [];
  return Array.isArray(matched) ? matched : Object.keys(matched);
}

/**
 * Popularity, as a clause beside the text query rather than a `function_score` around it: Lucene
 * knows its maximum, so once a page is full it skips songs whose text score cannot make up the
 * difference (see `POPULARITY` in the index definition for the stored distance and these numbers).
 * It matches every live song, so it is never what makes a song match.
 */
function popularityQuery(boosts: SearchBoosts): estypes.QueryDslQueryContainer {
  return {
    distance_feature: {
      field: 'popularity',
      origin: 0,
      pivot: `${POPULARITY.pivotMs}ms`,
      boost: boosts.popularity * (POPULARITY.maxScore + POPULARITY.offset),
    },
  };
}

/** One character is searched as a bare prefix: no per-word clauses, no typos. */
const hasWordClauses = (text: string) => Array.from(text).length > 1;

/**
 * The text part of the query. The user's words only ever travel as the `query` of match-type
 * queries, which analyze them as plain text: no operator, wildcard, field name or escape in them
 * means anything.
 */
function textQuery(text: string, boosts: SearchBoosts, typos: boolean): estypes.QueryDslQueryContainer {
  // One character: a prefix of a title or artist word, nothing else; popularity orders the matches.
  if (!hasWordClauses(text)) {
    return {
      multi_match: {
        query: text,
        type: 'bool_prefix',
        fields: [`title^${boosts.title}`, `artist^${boosts.artist}`],
      },
    };
  }
  const words = text.split(' ').slice(0, MAX_SCORED_WORDS);
  const match = (
    field: string,
    query: string,
    boost: number,
    fuzzy = false,
  ): estypes.QueryDslQueryContainer => ({
    match: {
      [field]: fuzzy
        ? { query, boost, fuzziness: 'AUTO', prefix_length: 1, max_expansions: 20 }
        : { query, boost },
    },
  });
  const perWord = words.map((word, index): estypes.QueryDslQueryContainer => {
    const queries = [match('title', word, boosts.title), match('artists', word, boosts.artist)];
    if (typos) {
      queries.push(
        match('title', word, boosts.title * boosts.fuzzy, true),
        match('artists', word, boosts.artist * boosts.fuzzy, true),
      );
    }
    if (index === words.length - 1) {
      queries.push(
        match('title.edge', word, boosts.title * boosts.prefix),
        match('artists.edge', word, boosts.artist * boosts.prefix),
      );
    }
    return { dis_max: { queries } };
  });
  return {
    bool: {
      should: [
        ...perWord,
        {
          multi_match: {
            query: text,
            type: 'bool_prefix',
            fields: ['words'],
            operator: 'and',
            boost: boosts.allWords,
            _name: ALL_WORDS,
          },
        },
        {
          multi_match: {
            query: text,
            type: 'bool_prefix',
            fields: [`title.sh2^${boosts.title}`, `artists.sh2^${boosts.artist}`],
            boost: boosts.inOrder,
          },
        },
        ...(typos
          ? [
              {
                multi_match: {
                  query: text,
                  type: 'most_fields' as const,
                  fields: [`title.compact^${boosts.title}`, `artists.compact^${boosts.artist}`],
                  boost: boosts.compact,
                },
              },
            ]
          : []),
      ],
      minimum_should_match: 1,
    },
  };
}

/** The facets a result counts; a value chosen in one is also a filter. */
const FACETS = {
  decade: { field: 'decade', size: 20 },
  genre: { field: 'genre', size: 50 },
  explicit: { field: 'explicit', size: 2 },
} as const;
type Facet = keyof typeof FACETS;

/**
 * The query's filters: `narrowing` ones apply to hits and facet counts alike; a value chosen in a
 * facet (`facetFilters`) applies to the hits (as `post_filter`) and to the other facets' counts, but
 * not to its own facet's counts, so a search filtered to the 1980s still shows how many songs the
 * other decades would give (facets that let the user switch, not only narrow).
 */
function filterClauses(
  query: SongSearchQuery,
  mode: SearchMode,
): {
  narrowing: estypes.QueryDslQueryContainer[];
  facetFilters: Partial<Record<Facet, estypes.QueryDslQueryContainer>>;
} {
  const numbers = ['decade', 'durationMinMs', 'durationMaxMs', 'bpmMin', 'bpmMax'] as const;
  const issues = numbers
    .filter((name) => query[name] !== undefined && !Number.isFinite(query[name]))
    .map((name) => ({ path: name, message: 'must be a finite number' }));
  if (issues.length > 0) throw new ValidationError('The search filters are not valid.', issues);
  // A tombstone has no title or credit, so only the empty box, which matches every document, needs
  // to leave them out; a text query never matches one, and the filter would cost every search.
  const narrowing: estypes.QueryDslQueryContainer[] =
    mode === 'popularity' ? [{ term: { deleted: false } }] : [];
  const facetFilters: Partial<Record<Facet, estypes.QueryDslQueryContainer>> = {};
  if (query.decade !== undefined) facetFilters.decade = { term: { decade: query.decade } };
  if (query.genre !== undefined && query.genre !== '') {
    facetFilters.genre = { term: { genre: { value: query.genre, case_insensitive: true } } };
  }
  const duration = range(query.durationMinMs, query.durationMaxMs);
  if (duration) narrowing.push({ range: { durationMs: duration } });
  const bpm = range(query.bpmMin, query.bpmMax);
  if (bpm) narrowing.push({ range: { bpm } });
  if (query.musicalKey !== undefined && query.musicalKey !== '') {
    narrowing.push({ term: { musicalKey: query.musicalKey } });
  }
  if (query.explicit !== undefined) facetFilters.explicit = { term: { explicit: query.explicit } };
  // A document indexed before media existed has no `hasAudio`: it has none, so "false" is "not true".
  if (query.hasAudio === true) narrowing.push({ term: { hasAudio: true } });
  if (query.hasAudio === false) narrowing.push({ bool: { must_not: { term: { hasAudio: true } } } });
  return { narrowing, facetFilters };
}

/** Each facet's counts under every chosen facet value but its own (see `filterClauses`). */
function facetAggregations(
  facetFilters: Partial<Record<Facet, estypes.QueryDslQueryContainer>>,
): Record<Facet, estypes.AggregationsAggregationContainer> {
  const aggregation = (facet: Facet): estypes.AggregationsAggregationContainer => {
    const others = Object.entries(facetFilters).flatMap(([name, clause]) => (name === facet ? [] : [clause]));
    return { filter: { bool: { filter: others } }, aggs: { values: { terms: FACETS[facet] } } };
  };
  return { decade: aggregation('decade'), genre: aggregation('genre'), explicit: aggregation('explicit') };
}

function range(min: number | undefined, max: number | undefined): estypes.QueryDslNumberRangeQuery | null {
  if (min === undefined && max === undefined) return null;
  return { ...(min === undefined ? {} : { gte: min }), ...(max === undefined ? {} : { lte: max }) };
}

function fingerprintOf(text: string, filters: estypes.QueryDslQueryContainer[]): string {
  return createHash('sha256')
    .update(JSON.stringify([text, filters]))
    .digest('base64url')
    .slice(0, 12);
}

/** Where the next page of a search starts, tied to the search that issued it. */
const SearchCursor = z.object({
  /** Format version. */
  v: z.literal(1),
  m: z.enum(['relevance', 'popularity']),
  f: z.string(),
  /** The sort values of the last hit on the page: [score or weeks, id]. */
  a: z.tuple([z.number(), z.string().min(1).max(64)]),
  /** Present when the first page was searched with typos: later pages are too, or scores would not line up. */
  t: z.literal(true).optional(),
});

export function encodeSearchCursor(
  mode: SearchMode,
  fingerprint: string,
  sortValues: [number, string],
  typos = false,
): string {
  return encodeCursor({
    v: 1,
    m: mode,
    f: fingerprint,
    a: sortValues,
    ...(typos ? { t: true as const } : {}),
  } satisfies z.infer<typeof SearchCursor>);
}

/** Where a cursor continues, if it is well-formed and was issued for this very search. */
export function readSearchCursor(
  cursor: string,
  mode: SearchMode,
  fingerprint: string,
): { after: [number, string]; typos: boolean } {
  const payload = decodeCursor(cursor, SearchCursor);
  if (payload.m !== mode || payload.f !== fingerprint) {
    throw unknownCursor('issued for a different query or filters');
  }
  return { after: payload.a, typos: payload.t === true };
}

/** The `search_after` values in a cursor, if it is well-formed and was issued for this very search. */
export function decodeSearchCursor(cursor: string, mode: SearchMode, fingerprint: string): [number, string] {
  return readSearchCursor(cursor, mode, fingerprint).after;
}

/** The displayed fields of a song as the index returns them. */
export interface SongHitSource {
  id?: string;
  title?: string;
  artist?: string;
  year?: number | null;
  genre?: string | null;
  durationMs?: number | null;
  explicit?: boolean;
  hasAudio?: boolean;
  version?: number;
}

/** Maps a search response to the port's result: items, total, next cursor, facet counts (when asked). */
export function readSongSearch(
  plan: SongSearchPlan,
  response: estypes.SearchResponse<SongHitSource>,
): SongSearchResult {
  const hits = response.hits.hits;
  const page = hits.slice(0, plan.limit);
  const last = page[page.length - 1];
  let cursor: string | null = null;
  if (hits.length > plan.limit && last?.sort) {
    const [first, id] = last.sort;
    if (typeof first === 'number' && typeof id === 'string') {
      cursor = encodeSearchCursor(plan.mode, plan.fingerprint, [first, id], plan.typos);
    }
  }
  const total = response.hits.total;
  return {
    items: page.map((hit) => {
      const source = hit._source ?? {};
      return {
        id: source.id ?? hit._id ?? '',
        title: source.title ?? '',
        artist: source.artist ?? '',
        year: source.year ?? null,
        genre: source.genre ?? null,
        durationMs: source.durationMs ?? null,
        explicit: source.explicit ?? false,
        hasAudio: source.hasAudio ?? false,
        version: source.version ?? 0,
      };
    }),
    total: typeof total === 'number' ? total : (total?.value ?? hits.length),
    totalExact: typeof total === 'number' || total?.relation === 'eq',
    cursor,
    facets: {
      decade: facetCounts(response.aggregations?.decade),
      genre: facetCounts(response.aggregations?.genre),
      explicit: facetCounts(response.aggregations?.explicit),
    },
  };
}

/** The buckets of a facet's `values` terms inside its filter aggregation. */
function facetCounts(facet: estypes.AggregationsAggregate | undefined): FacetCount[] {
  const aggregate = facet && 'values' in facet ? (facet.values as estypes.AggregationsAggregate) : undefined;
  if (!aggregate || !('buckets' in aggregate) || !Array.isArray(aggregate.buckets)) return [];
  return aggregate.buckets.map((bucket: { key: unknown; key_as_string?: string; doc_count: number }) => ({
    value: bucket.key_as_string ?? String(bucket.key),
    count: bucket.doc_count,
  }));
}
