import * as z from 'zod';
import type { CreateSong, Song } from './contract.ts';

const nullableText = z.string().nullable().optional();
const nullableInt = z.number().int().nullable().optional();

/**
 * The one mapping between a song as the API names it and its `songs` row: each field's column,
 * the value the column holds when a write leaves it out, and how the column reads in a row
 * serialised with `to_jsonb` (the outbox payload). Nullable columns may be absent there, so that
 * messages written before a column existed still parse. SQL, the outbox reader and documents built
 * outside the database all derive from this table, so a new column is added here once.
 */
const SONG_COLUMNS = {
  id: { column: 'id', json: z.uuid() },
  title: { column: 'title', json: z.string() },
  artist: { column: 'artist', json: z.string() },
  album: { column: 'album', json: nullableText, unset: null },
  durationMs: { column: 'duration_ms', json: nullableInt, unset: null },
  year: { column: 'year', json: nullableInt, unset: null },
  genre: { column: 'genre', json: nullableText, unset: null },
  bpm: { column: 'bpm', json: nullableInt, unset: null },
  musicalKey: { column: 'musical_key', json: nullableText, unset: null },
  explicit: { column: 'explicit', json: z.boolean(), unset: false },
  language: { column: 'language', json: nullableText, unset: null },
  isrc: { column: 'isrc', json: nullableText, unset: null },
  tags: { column: 'tags', json: z.array(z.string()), unset: [] },
  firstWeek: { column: 'first_week', json: nullableText, unset: null },
  peak: { column: 'peak', json: nullableInt, unset: null },
  weeks: { column: 'weeks', json: nullableInt, unset: null },
  /** Set by the media inspector; absent in messages written before media existed. */
  hasAudio: { column: 'has_audio', json: z.boolean().optional(), unset: false },
  version: { column: 'version', json: z.number().int().positive() },
  createdAt: { column: 'created_at', json: z.string() },
  updatedAt: { column: 'updated_at', json: z.string() },
} as const satisfies Record<keyof Song, { column: string; json: z.ZodType; unset?: unknown }>;

type SongField = keyof typeof SONG_COLUMNS;
const FIELDS = Object.keys(SONG_COLUMNS) as SongField[];

/** The column a curator-writable field is stored in. */
export const columnOf = (field: keyof CreateSong): string => SONG_COLUMNS[field].column;

/**
 * The SELECT list that reads a row as a {@link Song}: columns renamed to fields, and the chart week
 * as `YYYY-MM-DD` (a `date` would otherwise come back as a timestamp in the session's zone).
 */
export const SONG_SELECT = FIELDS.map((field) => {
  const { column } = SONG_COLUMNS[field];
  if (field === 'firstWeek') return `to_char(${column}, 'YYYY-MM-DD') AS "${field}"`;
  return column === field ? column : `${column} AS "${field}"`;
}).join(', ');

/** A `songs` row as the outbox trigger serialises it (`to_jsonb`, snake_case). */
export const SongRowJson = z.object(
  Object.fromEntries(FIELDS.map((field) => [SONG_COLUMNS[field].column, SONG_COLUMNS[field].json])),
);

/** The song a row serialised with `to_jsonb` stands for; absent nullable columns read as null. */
export function songFromRowJson(row: Record<string, unknown>): Song {
  return Object.fromEntries(
    FIELDS.map((field) => [field, row[SONG_COLUMNS[field].column] ?? absent(field)]),
  ) as unknown as Song;
}

/** What a column missing from a serialised row reads as: its unset value when it has one, else null. */
function absent(field: SongField): unknown {
  const spec = SONG_COLUMNS[field];
  return 'unset' in spec ? structuredClone(spec.unset) : null;
}

/**
 * A complete Song from the fields a curator sends, as the database would store it (unset fields
 * take their column's default): for building documents outside the database, e.g. in tests and
 * benchmarks that write to the search index directly.
 */
export function songFromFields(fields: CreateSong, meta: { id: string; version: number; at: string }): Song {
  const given: Partial<Record<SongField, unknown>> = fields;
  const song: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const spec = SONG_COLUMNS[field];
    song[field] = given[field] ?? ('unset' in spec ? structuredClone(spec.unset) : undefined);
  }
  return { ...song, id: meta.id, version: meta.version, createdAt: meta.at, updatedAt: meta.at } as Song;
}
