import type { estypes } from '@elastic/elasticsearch';
import type { Song } from '../contract.ts';

/**
 * Bumped whenever the settings or mappings below change in a way that needs a reindex. Physical
 * indices are named `<read alias>-v<generation>-<suffix>`, so a reindex can build the next one next
 * to the live one. The mapping is strict, so an index of an older generation refuses documents with
 * a field it lacks: roll a new generation out by reindexing with the new code first (`npm run
 * reindex`; `npm start` does it at every start), then deploying the functions that write the field.
 *
 * 2: `hasAudio`.
 * 3: `popularity` (see {@link POPULARITY}); no word triples (`sh3`).
 */
export const INDEX_GENERATION = 3;

/** The alias every search reads through. */
export const READ_ALIAS = 'songs';
/** The alias every change is written through; during a reindex it already points at the new index. */
export const WRITE_ALIAS = 'songs-write';

export interface SongIndexAliases {
  readAlias: string;
  writeAlias: string;
}

export const DEFAULT_ALIASES: SongIndexAliases = { readAlias: READ_ALIAS, writeAlias: WRITE_ALIAS };

/** Suffix of the physical index `ensureReady` creates: fixed, so concurrent first starts agree on it. */
export const INITIAL_SUFFIX = 'initial';

/**
 * The physical index name for a read alias: `songs-v1-initial`, `songs-v1-20260822t101500123z`.
 * The suffix defaults to the current UTC time to the millisecond, which sorts with creation order.
 */
export function physicalIndexName(readAlias: string, suffix: string = timestampSuffix(new Date())): string {
  return `${readAlias}-v${INDEX_GENERATION}-${suffix}`;
}

function timestampSuffix(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '').toLowerCase();
}

/** What the index stores for a live song: the searchable, filterable and displayed fields. */
export interface SongDocument {
  id: string;
  title: string;
  artist: string;
  /** Every performer named in the credit, lead first: `Drake Featuring Rihanna` → Drake, Rihanna. */
  artists: string[];
  year: number | null;
  decade: number | null;
  genre: string | null;
  durationMs: number | null;
  bpm: number | null;
  musicalKey: string | null;
  explicit: boolean;
  /** Whether the song has media ready to stream. */
  hasAudio: boolean;
  peak: number | null;
  /** Weeks on the chart; 0 when unknown, so popularity sorts and cursors never meet a missing value. */
  weeks: number;
  /** {@link popularityScore} as the distance `distance_feature` scores (see {@link POPULARITY}). */
  popularity: number;
  version: number;
  deleted: false;
}

/**
 * What the index stores for a deleted song. It is a document, never a real delete: a real delete
 * forgets its version after `index.gc_deletes`, and an older upsert arriving later would bring the
 * song back. A tombstone keeps its external version for good.
 */
export interface SongTombstone {
  id: string;
  version: number;
  deleted: true;
}

export function songDocument(song: Song): SongDocument {
  return {
    id: song.id,
    title: song.title,
    artist: song.artist,
    artists: splitArtistCredit(song.artist),
    year: song.year,
    decade: song.year === null ? null : Math.floor(song.year / 10) * 10,
    genre: song.genre,
    durationMs: song.durationMs,
    bpm: song.bpm,
    musicalKey: song.musicalKey,
    explicit: song.explicit,
    hasAudio: song.hasAudio,
    peak: song.peak,
    weeks: song.weeks ?? 0,
    popularity: popularityDistance(popularityScore(song.weeks ?? 0, song.peak)),
    version: song.version,
    deleted: false,
  };
}

/**
 * How popularity adds to a text match's score, stored with each song so a search scores it with
 * `distance_feature`: the one query core Elasticsearch has that scores a per-document number and
 * tells Lucene its maximum, so a search can skip songs that cannot reach the top of the page (block-max
 * pruning). A `function_score` over the text query, what this replaced, scores every match: at ~100k
 * songs `old town r`, whose one-letter last word matches most songs, answered in 9.7 ms with it and
 * 3.0 ms with this (round trip p50). `rank_feature` would be the natural field, but it lives in a
 * module (`mapper-extras`) the local Elasticsearch lacks.
 *
 * - `weeks`, `top10`: the score is `weeks · log10(1 + weeks on the chart) + top10` when the song
 *   peaked in the top 10: it orders songs that match equally well and cannot lift a clearly weaker
 *   text match.
 * - `maxWeeks`: weeks beyond it count as it (no chart run comes near), so the score is at most
 *   `maxScore`, which is also the bound Lucene prunes with: the tighter, the more it skips.
 * - `offset`: added to every song (a distance must be finite), so the query adds `score + offset`.
 * - `pivotMs`: `distance_feature` scores `boost · pivot / (pivot + distance)`; the distance of a
 *   score `s` is chosen so that, with `boost = maxScore + offset`, this is exactly `s + offset`.
 *   The field is a `date` only because `distance_feature` takes dates, not numbers.
 */
export const POPULARITY = {
  weeks: 1,
  top10: 0.5,
  maxWeeks: 999,
  maxScore: 3.5,
  offset: 0.05,
  pivotMs: 1_000_000_000,
};

/** The popularity a song adds to its text score (see {@link POPULARITY}). */
export function popularityScore(weeks: number, peak: number | null): number {
  const top10 = peak !== null && peak <= 10 ? POPULARITY.top10 : 0;
  return POPULARITY.weeks * Math.log10(1 + Math.min(Math.max(weeks, 0), POPULARITY.maxWeeks)) + top10;
}

/** The stored distance whose `distance_feature` score is `score + offset` (see {@link POPULARITY}). */
export function popularityDistance(score: number): number {
  const { maxScore, offset, pivotMs } = POPULARITY;
  const capped = Math.min(Math.max(score, 0), maxScore);
  return Math.round(pivotMs * ((maxScore + offset) / (capped + offset) - 1));
}

export function songTombstone(id: string, version: number): SongTombstone {
  return { id, version, deleted: true };
}

/**
 * Separators between performers in a chart credit: `,` `&` `/` `;` and the credit words. `And` and
 * `+` are left alone: they are part of too many act names (`Florence + The Machine`, `Hootie And The
 * Blowfish`), and the full credit stays searchable anyway.
 */
const CREDIT_SEPARATORS =
  /\s*(?:[,&/;]|(?<![^\s,&/;])(?:featuring|feat\.|feat|ft\.|ft|duet with|with special guests?|with|presents|introducing|co-starring|starring|vs\.|vs)(?=\s))\s*/gi;
/** A collaboration `x` between two names; split last, so `Mia X` and `X Ambassadors` stay whole. */
const X_SEPARATOR = /\s+[xX]\s+/;

/**
 * Splits a credit into performers: `A Featuring B & C`, `A x B`, `A (Duet With B)`, `A, B & C`.
 * Duplicates are dropped (case-insensitively) and the order is kept, so the lead artist comes first.
 */
export function splitArtistCredit(credit: string): string[] {
  const seen = new Set<string>();
  const artists: string[] = [];
  for (const part of credit.replace(/[()[\]]/g, ' ').split(CREDIT_SEPARATORS)) {
    for (const name of part.split(X_SEPARATOR)) {
      const trimmed = name.replace(/\s+/g, ' ').trim();
      const key = trimmed.toLowerCase();
      if (trimmed === '' || seen.has(key)) continue;
      seen.add(key);
      artists.push(trimmed);
    }
  }
  return artists.length > 0 ? artists : [credit.trim()];
}

const TEXT_ANALYZER = 'song_text';
const SHINGLE_2_ANALYZER = 'song_shingle_2';
const COMPACT_ANALYZER = 'song_compact';
const EDGE_ANALYZER = 'song_edge';
const SORT_NORMALIZER = 'song_sort';

/** The char filters every song text goes through, at index and at search time alike. */
const CHAR_FILTERS = [
  'song_apostrophes',
  'song_initialisms',
  'song_letter_bang',
  'song_ampersand',
  'song_symbols',
];

/**
 * Analysis: punctuation-insensitive and accent-insensitive, built only from the standard tokenizer,
 * `lowercase`, `shingle`, `asciifolding`, `edge_ngram` and the `pattern_replace` and `mapping` char
 * filters (no `search_as_you_type`, no `word_delimiter_graph`: not every Elasticsearch we run has them).
 *
 * - Apostrophes vanish (`Don't` → `dont`, `Floatin'` → `floatin`), dots inside initialisms too
 *   (`R.E.M.` → `rem`, `B.o.B` → `bob`), `!` between letters reads as `i` (`P!nk` → `pink`),
 *   `&` and `+` read as `and`, `$` as `s` (`Ke$ha` → `kesha`, `P$C` → `psc`).
 * - `song_shingle_2`: word pairs, so words typed in order outrank the same words scattered (what
 *   `search_as_you_type` calls `._2gram`; its `._3gram`, triples, changed no ranking of the relevance
 *   suite and cost every search of three words or more two more prefix expansions).
 * - `song_edge`: the starts of every word, 1 to 20 characters, so a half-typed word scores like a
 *   whole one (searched with the plain analyzer).
 * - `song_compact`: two or three neighbouring words joined (`Jay-Z` → `jayz`), so a user who leaves
 *   out a space or a hyphen still matches (searched with the plain analyzer).
 */
export const songIndexSettings: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  number_of_replicas: 0,
  auto_expand_replicas: '0-1',
  analysis: {
    char_filter: {
      song_apostrophes: { type: 'pattern_replace', pattern: "['’‘ʼ`´]", replacement: '' },
      song_initialisms: { type: 'pattern_replace', pattern: '(?<=\\p{L})\\.(?=\\p{L})', replacement: '' },
      song_letter_bang: { type: 'pattern_replace', pattern: '(?<=\\p{L})!(?=\\p{L})', replacement: 'i' },
      song_ampersand: { type: 'pattern_replace', pattern: '\\s*[&+]\\s*', replacement: ' and ' },
      song_symbols: { type: 'mapping', mappings: ['$ => s', '¥ => y'] },
    },
    filter: {
      song_shingle_2: {
        type: 'shingle',
        min_shingle_size: 2,
        max_shingle_size: 2,
        output_unigrams: false,
      },
      song_compact: {
        type: 'shingle',
        min_shingle_size: 2,
        max_shingle_size: 3,
        output_unigrams: false,
        token_separator: '',
      },
      song_edge: { type: 'edge_ngram', min_gram: 1, max_gram: 20 },
    },
    analyzer: {
      [TEXT_ANALYZER]: {
        type: 'custom',
        char_filter: CHAR_FILTERS,
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding'],
      },
      [SHINGLE_2_ANALYZER]: {
        type: 'custom',
        char_filter: CHAR_FILTERS,
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'song_shingle_2'],
      },
      [COMPACT_ANALYZER]: {
        type: 'custom',
        char_filter: CHAR_FILTERS,
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'song_compact'],
      },
      [EDGE_ANALYZER]: {
        type: 'custom',
        char_filter: CHAR_FILTERS,
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'song_edge'],
      },
    },
    normalizer: {
      [SORT_NORMALIZER]: { type: 'custom', filter: ['lowercase', 'asciifolding'] },
    },
  },
};

/**
 * Titles and credits are a handful of words: whether a word is there matters, how often and in how
 * long a title does not. Without frequencies and length norms, `Stay` and `Stay With Me` match the
 * query `stay` equally well and popularity decides between them.
 */
const WORDS = { type: 'text', index_options: 'docs', norms: false, analyzer: TEXT_ANALYZER } as const;
/** Prefixes of every word up to 10 characters, indexed, so a prefix query is a single term lookup. */
const PREFIXES = { index_prefixes: { min_chars: 1, max_chars: 10 } } as const;
const SORT_KEY = { type: 'keyword', normalizer: SORT_NORMALIZER, ignore_above: 512 } as const;

/** Word pairs, word starts, joined-up words: what the text query matches words against. */
const TYPING_FIELDS = {
  sh2: { ...WORDS, analyzer: SHINGLE_2_ANALYZER },
  edge: { ...WORDS, analyzer: EDGE_ANALYZER, search_analyzer: TEXT_ANALYZER },
  compact: { ...WORDS, analyzer: COMPACT_ANALYZER, search_analyzer: TEXT_ANALYZER },
} as const;

/** Strict: a document with a field not listed here is refused instead of growing the mapping. */
export const songIndexMappings: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    title: { ...WORDS, ...PREFIXES, copy_to: 'words', fields: { ...TYPING_FIELDS, keyword: SORT_KEY } },
    /** The full credit, as charted; words are matched per performer, in `artists`. */
    artist: { ...WORDS, ...PREFIXES, copy_to: 'words', fields: { keyword: SORT_KEY } },
    artists: { ...WORDS, fields: { ...TYPING_FIELDS, keyword: SORT_KEY } },
    /** Title and credit together: does a song have every word typed, wherever it is? */
    words: { ...WORDS, ...PREFIXES },
    year: { type: 'short' },
    decade: { type: 'short' },
    genre: { type: 'keyword' },
    durationMs: { type: 'integer' },
    bpm: { type: 'short' },
    musicalKey: { type: 'keyword' },
    explicit: { type: 'boolean' },
    hasAudio: { type: 'boolean' },
    peak: { type: 'byte' },
    weeks: { type: 'short' },
    popularity: { type: 'date', format: 'epoch_millis' },
    version: { type: 'long', index: false },
    deleted: { type: 'boolean' },
  },
};
