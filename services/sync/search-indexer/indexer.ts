import { sqsBatchHandler } from '#lib/batch';
import { cacheTags, type TagInvalidator } from '#lib/cache-tags';
import type { Logger } from '#lib/log';
import type { SongChange, SongIndex } from '#services/catalog/search/port';
import { parseChangeMessage, toSongChange } from '../changes.ts';

export interface SearchIndexerDeps {
  index: SongIndex;
  log: Logger;
  /**
   * The BFF's read cache: once a batch is searchable, its `songs:search` tag is invalidated, so no
   * search answer cached before the change (an empty one, say) is served after it. Absent where
   * nothing caches searches (tests of the index alone).
   */
  searchAnswers?: TagInvalidator;
}

/**
 * Applies song changes from the `search-indexer` queue to the index in one bulk request per batch.
 * Reports each failed record in `batchItemFailures`, so SQS redelivers only those and moves a
 * record that keeps failing (a malformed one, say) to the dead-letter queue after its
 * maxReceiveCount, while the rest of the batch is done. If the index is unreachable the whole
 * batch fails and is retried. Changes of other entities are acknowledged and ignored.
 *
 * **Fresh search answers.** The bulk request returns once its changes are searchable (a refresh),
 * and only then are cached search answers invalidated: an invalidation before that point (the
 * cache-invalidator's, which runs beside this) lets a search cache the old answer again. Every
 * batch in which some change is applied or already there (`stale`: a redelivered or reordered
 * batch whose first delivery may have stopped before invalidating) invalidates, so duplicates and
 * reordering cost a cache miss, never a stale answer. When Redis does not answer the batch still
 * succeeds (its changes are in the index) and is logged: cached answers then last their short TTL.
 */
export function createSearchIndexer(deps: SearchIndexerDeps) {
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
        const outcomes = await deps.index.apply(
          items.map((item) => item.value.change),
          { searchable: true },
        );
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
        if (deps.searchAnswers && failed.length < items.length) {
          await deps.searchAnswers.invalidateTags([cacheTags.songSearch]).catch((error: unknown) =>
            deps.log.warn('search answers not invalidated after indexing; they last their TTL', {
              'error.message': error instanceof Error ? error.message : String(error),
            }),
          );
        }
        return failed;
      },
    },
    deps.log,
  );
}
