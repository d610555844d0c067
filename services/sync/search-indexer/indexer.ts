import { sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import type { SongChange, SongIndex } from '#services/catalog/search/port';
import { parseChangeMessage, toSongChange } from '../changes.ts';

/**
 * Applies song changes from the `search-indexer` queue to the index in one bulk request per batch.
 * Reports each failed record in `batchItemFailures`, so SQS redelivers only those and moves a
 * record that keeps failing (a malformed one, say) to the dead-letter queue after its
 * maxReceiveCount, while the rest of the batch is done. If the index is unreachable the whole
 * batch fails and is retried. Changes of other entities are acknowledged and ignored.
 */
export function createSearchIndexer(deps: { index: SongIndex; log: Logger }) {
  return sqsBatchHandler<{ change: SongChange; occurredAt: string }>(
    {
      parse(record) {
        const parsed = parseChangeMessage(record.body);
        if (!parsed.ok) return parsed;
        if (parsed.value.entity !== 'song') return null;
        const song = toSongChange(parsed.value);
        return song.ok
          ? { ok: true, value: { change: song.value, occurredAt: parsed.value.occurredAt } }
          : song;
      },
      async apply(items) {
        const outcomes = await deps.index.apply(items.map((item) => item.value.change));
        const failed: string[] = [];
        outcomes.forEach((outcome, position) => {
          const item = items[position];
          if (outcome.result !== 'failed' || !item) return;
          deps.log.warn('index write failed', {
            'event.reason': outcome.reason,
            'message.id': item.messageId,
          });
          failed.push(item.messageId);
        });
        // How long after the database change its song became searchable (the sync-lag panel).
        const oldest = Math.min(...items.map((item) => Date.parse(item.value.occurredAt)));
        if (Number.isFinite(oldest)) {
          deps.log.info('song changes indexed', {
            'sync.lag_ms': Math.max(0, Date.now() - oldest),
            'event.count': items.length,
          });
        }
        return failed;
      },
    },
    deps.log,
  );
}
