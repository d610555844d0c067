import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from '#lib/log';
import type { SongChange, SongIndex } from '#services/catalog/search/port';
import { parseChangeBatch, toSongChange } from '../changes.ts';

/**
 * Applies song changes from the `search-indexer` queue to the index in one bulk request per batch.
 * Reports each failed record in `batchItemFailures`, so SQS redelivers only those and moves a
 * record that keeps failing (a malformed one, say) to the dead-letter queue after its
 * maxReceiveCount, while the rest of the batch is done. If the index is unreachable the whole
 * batch fails and is retried. Changes of other entities are acknowledged and ignored.
 */
export function createSearchIndexer(deps: { index: SongIndex; log: Logger }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { messages, malformed } = parseChangeBatch(event.Records, deps.log);
    const failed = [...malformed];
    const pending: Array<{ messageId: string; change: SongChange }> = [];
    for (const { messageId, message } of messages) {
      if (message.entity !== 'song') continue;
      const song = toSongChange(message);
      if (!song.ok) {
        deps.log.error('malformed song change', {
          'event.reason': song.reason,
          'message.id': messageId,
        });
        failed.push(messageId);
        continue;
      }
      pending.push({ messageId, change: song.change });
    }
    if (pending.length > 0) {
      try {
        const outcomes = await deps.index.apply(pending.map((item) => item.change));
        outcomes.forEach((outcome, position) => {
          if (outcome.result !== 'failed') return;
          const item = pending[position];
          if (!item) return;
          deps.log.warn('index write failed', {
            'event.reason': outcome.reason,
            'message.id': item.messageId,
          });
          failed.push(item.messageId);
        });
        // How long after the database change its song became searchable (the sync-lag panel).
        const oldest = Math.min(...messages.map(({ message }) => Date.parse(message.occurredAt)));
        if (Number.isFinite(oldest)) {
          deps.log.info('song changes indexed', {
            'sync.lag_ms': Math.max(0, Date.now() - oldest),
            'event.count': pending.length,
          });
        }
      } catch (error) {
        deps.log.error('search index unavailable; the batch will be retried', error as Error);
        failed.push(...pending.map((item) => item.messageId));
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
