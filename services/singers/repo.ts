import { type Db, type Params, sql } from '#lib/db/port';
import type { Favourite, Singer, UpdateSinger } from './contract.ts';
import type { SingerSeed } from './seed.ts';

const SINGER_COLUMNS = `
  id, stage_name AS "stageName", given_name AS "givenName", family_name AS "familyName", email, version,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

const FAVOURITE_COLUMNS = 'song_id AS "songId", created_at AS "addedAt", version';

/** API field → column, for the fields a singer may change. */
const WRITABLE: Record<keyof UpdateSinger, string> = {
  stageName: 'stage_name',
  givenName: 'given_name',
  familyName: 'family_name',
};

export type StoredFavourite = Favourite & { version: number };

/** SQL for singers and their favourites. Every write fires the outbox trigger in the same transaction. */
export interface SingerStore {
  get(id: string): Promise<Singer | null>;
  /**
   * Creates the singer from `seed`, or refreshes an existing one: the email follows the identity
   * provider whenever it names one; given and family names are only filled in where still empty,
   * so what the singer changed stays. Writes (and versions) nothing when nothing changes.
   */
  upsert(id: string, seed: SingerSeed): Promise<{ singer: Singer; created: boolean }>;
  /** Null when there is no such singer. Writes nothing when the patch changes nothing. */
  update(id: string, patch: UpdateSinger): Promise<Singer | null>;
  exists(id: string): Promise<boolean>;
  /** Newest first, only those older than the `before` version when given. */
  favourites(singerId: string, limit: number, before: number | null): Promise<StoredFavourite[]>;
  countFavourites(singerId: string): Promise<number>;
  /** Null when there is no such singer. */
  addFavourite(
    singerId: string,
    songId: string,
  ): Promise<{ favourite: StoredFavourite; created: boolean } | null>;
  /** True when the favourite was there. */
  removeFavourite(singerId: string, songId: string): Promise<boolean>;
}

export function pgSingerStore(db: Db): SingerStore {
  const get = async (id: string) => {
    const [singer] = await db.query<Singer>(`SELECT ${SINGER_COLUMNS} FROM singers WHERE id = :id`, {
      id: sql.uuid(id),
    });
    return singer ?? null;
  };
  const exists = async (id: string) =>
    (await db.query('SELECT 1 FROM singers WHERE id = :id', { id: sql.uuid(id) })).length > 0;

  return {
    get,
    exists,

    async upsert(id, seed) {
      const [written] = await db.query<Singer & { created: boolean }>(
        `INSERT INTO singers AS s (id, stage_name, given_name, family_name, email)
         VALUES (:id, :stageName, :givenName, :familyName, :email)
         ON CONFLICT (id) DO UPDATE SET
           email = COALESCE(EXCLUDED.email, s.email),
           given_name = COALESCE(s.given_name, EXCLUDED.given_name),
           family_name = COALESCE(s.family_name, EXCLUDED.family_name)
         WHERE (s.email, s.given_name, s.family_name) IS DISTINCT FROM
               (COALESCE(EXCLUDED.email, s.email), COALESCE(s.given_name, EXCLUDED.given_name),
                COALESCE(s.family_name, EXCLUDED.family_name))
         RETURNING ${SINGER_COLUMNS}, xmax::text = '0' AS created`,
        {
          id: sql.uuid(id),
          stageName: seed.stageName,
          givenName: seed.givenName,
          familyName: seed.familyName,
          email: seed.email,
        },
      );
      if (written) {
        const { created, ...singer } = written;
        return { singer, created };
      }
      // Nothing changed: the conflict's WHERE left the row alone.
      const singer = await get(id);
      if (!singer) throw new Error(`singer ${id} neither inserted nor found`);
      return { singer, created: false };
    },

    async update(id, patch) {
      const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as Array<
        [keyof UpdateSinger, string | null]
      >;
      const params: Params = { id: sql.uuid(id) };
      for (const [field, value] of entries) params[field] = value;
      const columns = entries.map(([field]) => WRITABLE[field]);
      const values = entries.map(([field]) => `:${field}`);
      const [singer] = await db.query<Singer>(
        `UPDATE singers SET ${columns.map((column, i) => `${column} = ${values[i]}`).join(', ')}
         WHERE id = :id AND ROW(${columns.join(', ')}) IS DISTINCT FROM ROW(${values.join(', ')})
         RETURNING ${SINGER_COLUMNS}`,
        params,
      );
      return singer ?? get(id);
    },

    async favourites(singerId, limit, before) {
      return db.query<StoredFavourite>(
        `SELECT ${FAVOURITE_COLUMNS} FROM favourites
         WHERE singer_id = :singerId AND (CAST(:before AS bigint) IS NULL OR version < :before)
         ORDER BY version DESC LIMIT :limit`,
        { singerId: sql.uuid(singerId), before, limit },
      );
    },

    async countFavourites(singerId) {
      const [row] = await db.query<{ total: number }>(
        'SELECT count(*)::int AS total FROM favourites WHERE singer_id = :singerId',
        { singerId: sql.uuid(singerId) },
      );
      return row?.total ?? 0;
    },

    async addFavourite(singerId, songId) {
      const key = { singerId: sql.uuid(singerId), songId: sql.uuid(songId) };
      return db.transaction(async (tx) => {
        // Locks the singer against a concurrent removal, and tells a missing singer from a
        // favourite that already exists.
        const singer = await tx.query('SELECT 1 FROM singers WHERE id = :singerId FOR SHARE', key);
        if (singer.length === 0) return null;
        const [inserted] = await tx.query<StoredFavourite>(
          `INSERT INTO favourites (singer_id, song_id) VALUES (:singerId, :songId)
           ON CONFLICT (singer_id, song_id) DO NOTHING RETURNING ${FAVOURITE_COLUMNS}`,
          key,
        );
        if (inserted) return { favourite: inserted, created: true };
        const [existing] = await tx.query<StoredFavourite>(
          `SELECT ${FAVOURITE_COLUMNS} FROM favourites WHERE singer_id = :singerId AND song_id = :songId`,
          key,
        );
        if (!existing) throw new Error(`favourite ${singerId}/${songId} neither inserted nor found`);
        return { favourite: existing, created: false };
      });
    },

    async removeFavourite(singerId, songId) {
      const removed = await db.execute(
        'DELETE FROM favourites WHERE singer_id = :singerId AND song_id = :songId',
        { singerId: sql.uuid(singerId), songId: sql.uuid(songId) },
      );
      return removed > 0;
    },
  };
}
