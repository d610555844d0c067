import type { Song } from '../contract.ts';

/**
 * A change to apply to the search index. Every change carries the song's version from the global
 * change sequence; the index keeps the highest version it has seen per song, so changes may arrive
 * twice or out of order. A delete is kept as a versioned tombstone (never a real delete), so an
 * older upsert that arrives after it cannot bring the song back.
 */
export type SongChange = { op: 'upsert'; song: Song } | { op: 'delete'; id: string; version: number };

/** `applied`: the index now holds this version; `stale`: it already held a newer one (also success). */
export type ChangeOutcome =
  | { id: string; result: 'applied' | 'stale' }
  | { id: string; result: 'failed'; reason: string };

export interface SongSearchQuery {
  /** What the user typed; may be empty. Never interpreted as query syntax. */
  q: string;
  limit: number;
  cursor?: string | undefined;
  decade?: number | undefined;
  genre?: string | undefined;
  durationMinMs?: number | undefined;
  durationMaxMs?: number | undefined;
  bpmMin?: number | undefined;
  bpmMax?: number | undefined;
  musicalKey?: string | undefined;
  explicit?: boolean | undefined;
  hasAudio?: boolean | undefined;
  /**
   * Count every match and each facet's values (a results page). Without it the search asks only
   * for what a search box shows: the page of songs, a total counted up to {@link SongSearchResult}'s
   * bound, no facet counts.
   */
  facets?: boolean | undefined;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SongSearchResult {
  items: Array<
    Pick<
      Song,
      'id' | 'title' | 'artist' | 'year' | 'genre' | 'durationMs' | 'explicit' | 'hasAudio' | 'version'
    >
  >;
  /** Matching songs: all of them when `totalExact`, otherwise at least this many. */
  total: number;
  /** Whether `total` counts every match; always true when facets were asked for. */
  totalExact: boolean;
  /** Opaque; pass back for the next page. Null on the last page. */
  cursor: string | null;
  /** Empty unless facets were asked for. */
  facets: { decade: FacetCount[]; genre: FacetCount[]; explicit: FacetCount[] };
}

/** The song search index: the read alias `songs`, the write alias `songs-write`. */
export interface SongIndex {
  /** Creates the first physical index and both aliases when they do not exist yet. */
  ensureReady(): Promise<void>;
  /**
   * Applies changes in one bulk request; one outcome per change, in order. With `searchable`, it
   * resolves only once the applied changes are visible to searches (the index refreshes).
   */
  apply(changes: SongChange[], options?: { searchable?: boolean }): Promise<ChangeOutcome[]>;
  search(query: SongSearchQuery): Promise<SongSearchResult>;
  /** Version the index holds for a song (tombstones included), or null: for consistency checks. */
  versionOf(id: string): Promise<{ version: number; deleted: boolean } | null>;
}
