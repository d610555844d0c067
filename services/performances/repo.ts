import { type Db, sql } from '#lib/db/port';
import type { Performance } from './contract.ts';

/** A performance with the KJ of its night, as stored. */
export type PerformanceRecord = Performance & { kjId: string };

const COLUMNS = `request_id AS "requestId", singer_id AS "singerId", event_id AS "eventId", song_id AS "songId",
  title, artist, key_change AS "keyChange", started_at AS "startedAt", ended_at AS "endedAt"`;

/** Where a page starts: after the performance that ended at `endedAt` with this request id. */
export interface PageStart {
  endedAt: string;
  requestId: string;
}

export interface PerformanceStore {
  /** False when it was recorded before (a redelivered message). */
  record(performance: PerformanceRecord): Promise<boolean>;
  /** A singer's performances, newest first; only those at nights run by `kjId` when given. */
  list(
    singerId: string,
    options: { kjId?: string; limit: number; after?: PageStart },
  ): Promise<Performance[]>;
}

export function pgPerformanceStore(db: Db): PerformanceStore {
  return {
    async record(p) {
      const inserted = await db.execute(
        `INSERT INTO performances
           (request_id, singer_id, event_id, kj_id, song_id, title, artist, key_change, started_at, ended_at)
         VALUES (:requestId, :singerId, :eventId, :kjId, :songId, :title, :artist, :keyChange, :startedAt, :endedAt)
         ON CONFLICT (request_id) DO NOTHING`,
        {
          requestId: sql.uuid(p.requestId),
          singerId: sql.uuid(p.singerId),
          eventId: sql.uuid(p.eventId),
          kjId: sql.uuid(p.kjId),
          songId: sql.uuid(p.songId),
          title: p.title,
          artist: p.artist,
          keyChange: p.keyChange,
          startedAt: sql.timestamp(p.startedAt),
          endedAt: sql.timestamp(p.endedAt),
        },
      );
      return inserted > 0;
    },

    async list(singerId, { kjId, limit, after }) {
      return db.query<Performance>(
        `SELECT ${COLUMNS} FROM performances
         WHERE singer_id = :singerId
           AND (CAST(:kjId AS uuid) IS NULL OR kj_id = :kjId)
           AND (CAST(:afterEndedAt AS timestamptz) IS NULL
                OR (ended_at, request_id) < (CAST(:afterEndedAt AS timestamptz), CAST(:afterRequestId AS uuid)))
         ORDER BY ended_at DESC, request_id DESC
         LIMIT :limit`,
        {
          singerId: sql.uuid(singerId),
          kjId: sql.uuid(kjId ?? null),
          afterEndedAt: sql.timestamp(after?.endedAt ?? null),
          afterRequestId: sql.uuid(after?.requestId ?? null),
          limit,
        },
      );
    },
  };
}
