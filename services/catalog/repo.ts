import { type Db, type Params, type Queryable, sql } from '#lib/db/port';
import type { CreateSong, Song, UpdateSong } from './contract.ts';
import { columnOf, SONG_SELECT } from './song-row.ts';

/** How a value is bound: dates and tag arrays need explicit SQL types to pass the Data API. */
function bind(field: keyof CreateSong, value: unknown): { expression: string; param: Params[string] } {
  if (field === 'tags')
    return {
      expression: `ARRAY(SELECT jsonb_array_elements_text(:${field}::jsonb))`,
      param: sql.json(value ?? []),
    };
  if (field === 'firstWeek')
    return { expression: `:${field}`, param: sql.date((value as string | null) ?? null) };
  return { expression: `:${field}`, param: (value ?? null) as Params[string] };
}

export interface SongCursorPage {
  songs: Array<Song & { deleted: boolean }>;
  nextAfter: string | null;
}

/** SQL for the catalog's songs. Every write fires the outbox trigger in the same transaction. */
export interface SongStore {
  get(id: string): Promise<Song | null>;
  /** The songs of these ids that exist and are not deleted, in no particular order. */
  getMany(ids: readonly string[]): Promise<Song[]>;
  create(fields: CreateSong): Promise<Song>;
  update(id: string, patch: UpdateSong): Promise<Song | null>;
  softDelete(id: string): Promise<boolean>;
  /** Inserts songs whose (title, artist) is new and refreshes chart facts that changed; returns counts. */
  importBatch(songs: CreateSong[]): Promise<{ inserted: number; updated: number; unchanged: number }>;
  /** Every song, deleted ones included (for reindexing), in id order, `limit` at a time. */
  scan(after: string | null, limit: number): Promise<SongCursorPage>;
}

export function pgSongStore(db: Db): SongStore {
  return {
    async get(id) {
      const [song] = await db.query<Song>(
        `SELECT ${SONG_SELECT} FROM songs WHERE id = :id AND deleted_at IS NULL`,
        { id: sql.uuid(id) },
      );
      return song ?? null;
    },

    async getMany(ids) {
      // One bound JSON array, not one parameter per id: the Data API takes at most a few hundred.
      return db.query<Song>(
        `SELECT ${SONG_SELECT} FROM songs
          WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text(:ids::jsonb))::uuid[]) AND deleted_at IS NULL`,
        { ids: sql.json(ids) },
      );
    },

    async create(fields) {
      return insert(db, fields);
    },

    async update(id, patch) {
      const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as Array<
        [keyof CreateSong, unknown]
      >;
      const params: Params = { id: sql.uuid(id) };
      const assignments = entries.map(([field, value]) => {
        const { expression, param } = bind(field, value);
        params[field] = param;
        return `${columnOf(field)} = ${expression}`;
      });
      const [song] = await db.query<Song>(
        `UPDATE songs SET ${assignments.join(', ')} WHERE id = :id AND deleted_at IS NULL RETURNING ${SONG_SELECT}`,
        params,
      );
      return song ?? null;
    },

    async softDelete(id) {
      const changed = await db.execute(
        'UPDATE songs SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL',
        {
          id: sql.uuid(id),
        },
      );
      return changed > 0;
    },

    async importBatch(songs) {
      return db.transaction(async (tx) => {
        let inserted = 0;
        let updated = 0;
        for (const song of songs) {
          const outcome = await upsertByTitleArtist(tx, song);
          if (outcome === 'inserted') inserted++;
          else if (outcome === 'updated') updated++;
        }
        return { inserted, updated, unchanged: songs.length - inserted - updated };
      });
    },

    async scan(after, limit) {
      const rows = await db.query<Song & { deleted: boolean }>(
        `SELECT ${SONG_SELECT}, deleted_at IS NOT NULL AS deleted FROM songs
         WHERE (:after IS NULL OR id > :after) ORDER BY id LIMIT :limit`,
        { after: sql.uuid(after), limit },
      );
      return { songs: rows, nextAfter: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
    },
  };
}

async function insert(db: Queryable, fields: CreateSong): Promise<Song> {
  const params: Params = {};
  const columns: string[] = [];
  const values: string[] = [];
  for (const [field, value] of Object.entries(fields) as Array<[keyof CreateSong, unknown]>) {
    if (value === undefined) continue;
    const { expression, param } = bind(field, value);
    columns.push(columnOf(field));
    values.push(expression);
    params[field] = param;
  }
  const [song] = await db.query<Song>(
    `INSERT INTO songs (${columns.join(', ')}) VALUES (${values.join(', ')}) RETURNING ${SONG_SELECT}`,
    params,
  );
  if (!song) throw new Error('INSERT … RETURNING returned no row');
  return song;
}

/**
 * The import's idempotency: a (title, artist) already in the catalog is left alone unless its
 * chart facts changed, so re-importing the same file writes nothing and publishes nothing.
 */
async function upsertByTitleArtist(
  tx: Queryable,
  song: CreateSong,
): Promise<'inserted' | 'updated' | 'unchanged'> {
  const [existing] = await tx.query<{
    id: string;
    firstWeek: string | null;
    peak: number | null;
    weeks: number | null;
  }>(
    `SELECT id, to_char(first_week, 'YYYY-MM-DD') AS "firstWeek", peak, weeks FROM songs
     WHERE lower(title) = lower(:title) AND lower(artist) = lower(:artist) AND deleted_at IS NULL FOR UPDATE`,
    { title: song.title, artist: song.artist },
  );
  if (!existing) {
    await insert(tx, song);
    return 'inserted';
  }
  const same =
    (existing.firstWeek ?? null) === (song.firstWeek ?? null) &&
    (existing.peak ?? null) === (song.peak ?? null) &&
    (existing.weeks ?? null) === (song.weeks ?? null);
  if (same) return 'unchanged';
  await tx.execute('UPDATE songs SET first_week = :firstWeek, peak = :peak, weeks = :weeks WHERE id = :id', {
    id: sql.uuid(existing.id),
    firstWeek: sql.date(song.firstWeek ?? null),
    peak: song.peak ?? null,
    weeks: song.weeks ?? null,
  });
  return 'updated';
}
