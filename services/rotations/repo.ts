import { type Db, type Queryable, sql } from '#lib/db/port';
import type { RotationEvent, StoredRotationEvent } from './domain/events.ts';
import type { RotationState } from './domain/rotation.ts';

/** What the store keeps beside the folded state, for queries that must not unpack it. */
export interface RotationRow {
  state: RotationState;
  /** Singers with a pending or performing request. */
  waitingSingers: string[];
}

/**
 * The rotations' log and read model. An append writes the new log entries and the state they
 * fold into in one transaction, and only if the read model is still at `expectedVersion`:
 * two writers on one night are serialised by the row lock and the loser sees `false`.
 */
export interface RotationStore {
  load(eventId: string): Promise<RotationState | null>;
  /** `expectedVersion` 0 creates the night; false when another write got there first. */
  append(
    eventId: string,
    expectedVersion: number,
    events: RotationEvent[],
    next: RotationRow,
  ): Promise<boolean>;
  log(eventId: string): Promise<StoredRotationEvent[]>;
  /** Replaces the read model (a rebuild from the log). */
  replace(eventId: string, row: RotationRow): Promise<void>;
  /** Open nights where this singer has a pending or performing request. */
  waitingFor(singerId: string): Promise<RotationState[]>;
}

export function pgRotationStore(db: Db): RotationStore {
  const insertEvents = (tx: Queryable, eventId: string, firstSeq: number, events: RotationEvent[]) =>
    tx.batch(
      `INSERT INTO rotation_events (event_id, seq, type, data) VALUES (:eventId, :seq, :type, CAST(:data AS jsonb))`,
      events.map((event, index) => ({
        eventId: sql.uuid(eventId),
        seq: firstSeq + index,
        type: event.type,
        data: sql.json(event),
      })),
    );
  const rowParams = (eventId: string, row: RotationRow) => ({
    eventId: sql.uuid(eventId),
    version: row.state.version,
    state: sql.json(row.state),
    closed: row.state.closed,
    waiting: sql.json(row.waitingSingers),
  });
  const WAITING = 'ARRAY(SELECT jsonb_array_elements_text(CAST(:waiting AS jsonb))::uuid)';

  return {
    async load(eventId) {
      const [row] = await db.query<{ state: RotationState }>(
        'SELECT state FROM rotations WHERE event_id = :eventId',
        { eventId: sql.uuid(eventId) },
      );
      return row?.state ?? null;
    },

    async append(eventId, expectedVersion, events, next) {
      return db.transaction(async (tx) => {
        const written =
          expectedVersion === 0
            ? await tx.execute(
                `INSERT INTO rotations (event_id, kj_id, name, closed, version, state, waiting_singers)
                 VALUES (:eventId, :kjId, :name, :closed, :version, CAST(:state AS jsonb), ${WAITING})
                 ON CONFLICT (event_id) DO NOTHING`,
                { ...rowParams(eventId, next), kjId: sql.uuid(next.state.kjId), name: next.state.name },
              )
            : await tx.execute(
                `UPDATE rotations
                 SET version = :version, state = CAST(:state AS jsonb), closed = :closed,
                     waiting_singers = ${WAITING}, updated_at = now()
                 WHERE event_id = :eventId AND version = :expectedVersion`,
                { ...rowParams(eventId, next), expectedVersion },
              );
        if (written === 0) return false;
        await insertEvents(tx, eventId, expectedVersion + 1, events);
        return true;
      });
    },

    async log(eventId) {
      const rows = await db.query<{ seq: number; data: RotationEvent }>(
        'SELECT seq, data FROM rotation_events WHERE event_id = :eventId ORDER BY seq',
        { eventId: sql.uuid(eventId) },
      );
      return rows.map(({ seq, data }) => ({ eventId, seq, event: data }));
    },

    async replace(eventId, row) {
      await db.execute(
        `UPDATE rotations
         SET version = :version, state = CAST(:state AS jsonb), closed = :closed,
             waiting_singers = ${WAITING}, updated_at = now()
         WHERE event_id = :eventId`,
        rowParams(eventId, row),
      );
    },

    async waitingFor(singerId) {
      const rows = await db.query<{ state: RotationState }>(
        `SELECT state FROM rotations
         WHERE NOT closed AND waiting_singers @> ARRAY[CAST(:singerId AS uuid)]
         ORDER BY opened_at DESC LIMIT 20`,
        { singerId: sql.uuid(singerId) },
      );
      return rows.map((row) => row.state);
    },
  };
}
