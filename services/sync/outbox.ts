import type { Db } from '#lib/db/port';
import { sql } from '#lib/db/port';
import type { ChangeMessage } from './changes.ts';

/** Sends changes to the `changes` topic. Resolves only when every message was accepted. */
export interface ChangePublisher {
  publish(messages: ChangeMessage[]): Promise<void>;
}

export interface PublishOptions {
  /** Rows taken per transaction. */
  batchSize: number;
  /** Only rows at least this old: the sweeper leaves fresh rows to the publisher. */
  minAgeMs?: number;
  /** Stop after this many batches even if rows remain (the caller paces the rest). */
  maxBatches?: number;
}

/**
 * Publishes pending outbox rows, newest first, and marks them published, a batch per transaction,
 * until none is left. Newest first so that a fresh write never queues behind a backlog (a bulk
 * import, what an outage left pending): consumers order changes by version, not by arrival. Rows are locked with SKIP LOCKED, so concurrent publishers (many trigger
 * invocations, the sweeper) share the work instead of blocking each other. If publishing fails
 * the transaction rolls back and the rows stay pending; if marking fails after SNS accepted, the
 * rows are published again later: delivery is at-least-once and consumers are idempotent.
 */
export async function publishPending(
  db: Db,
  publisher: ChangePublisher,
  options: PublishOptions,
): Promise<number> {
  let published = 0;
  for (let batch = 1; ; batch++) {
    const count = await db.transaction(async (tx) => {
      const rows = await tx.query<ChangeMessage>(
        `SELECT id AS "outboxId", entity, op, key, version, occurred_at AS "occurredAt", payload
         FROM outbox
         WHERE published_at IS NULL AND occurred_at <= clock_timestamp() - make_interval(secs => :minAgeSeconds)
         ORDER BY id DESC LIMIT :limit FOR UPDATE SKIP LOCKED`,
        { minAgeSeconds: (options.minAgeMs ?? 0) / 1000, limit: options.batchSize },
      );
      if (rows.length === 0) return 0;
      await publisher.publish(rows);
      await tx.execute(
        `UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1
         WHERE id IN (SELECT json_array_elements_text(:ids)::bigint)`,
        { ids: sql.json(rows.map((row) => row.outboxId)) },
      );
      return rows.length;
    });
    published += count;
    if (count < options.batchSize || batch === options.maxBatches) return published;
  }
}
