import type { CreateSong, Song } from './contract.ts';

/**
 * A complete Song from the fields a curator sends, as the database would store it (unset fields
 * null, no tags, not explicit): for building documents outside the database, e.g. in tests and
 * benchmarks that write to the search index directly.
 */
export function songFromFields(fields: CreateSong, meta: { id: string; version: number; at: string }): Song {
  return {
    album: null,
    durationMs: null,
    year: null,
    genre: null,
    bpm: null,
    musicalKey: null,
    language: null,
    isrc: null,
    firstWeek: null,
    peak: null,
    weeks: null,
    ...fields,
    explicit: fields.explicit ?? false,
    tags: fields.tags ?? [],
    id: meta.id,
    version: meta.version,
    createdAt: meta.at,
    updatedAt: meta.at,
  };
}
