import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { cacheTags, type TagInvalidator } from '#lib/cache-tags';
import type { Logger } from '#lib/log';
import { type ChangeMessage, parseChangeBatch } from '../changes.ts';

/**
 * The cache tags a change makes stale. A song changes its own reads and may change any search
 * result; a recorded performance (its history row, not the log event before it) changes what the
 * BFF caches about its singer (`/api/me` shows recent performances); any other entity's row is
 * tagged `<entity>:<key>` (e.g. `singer:<id>`), the name the BFF uses for reads built from that row.
 */
export function tagsForChange(change: Pick<ChangeMessage, 'entity' | 'key' | 'payload'>): string[] {
  if (change.entity === 'song') return [cacheTags.song(change.key), cacheTags.songSearch];
  if (change.entity === 'performance-recorded' && typeof change.payload.singer_id === 'string') {
    return [cacheTags.entity('singer', change.payload.singer_id)];
  }
  return [cacheTags.entity(change.entity, change.key)];
}

/**
 * Invalidates the BFF's read cache from the `cache-invalidator` queue, which receives every change.
 * One Redis round trip per batch: the tags of all its messages, deduplicated. Idempotent and
 * order-free by construction (an invalidation raises a tag's generation; doing it twice, or for
 * an older change after a newer one, only costs a cache miss), so duplicates and reordering are
 * harmless. Malformed messages are reported in `batchItemFailures` (and end in the DLQ after the
 * queue's maxReceiveCount); if Redis does not answer, the whole batch is reported and retried.
 */
export function createCacheInvalidator(deps: { cache: TagInvalidator; log: Logger }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { messages, malformed } = parseChangeBatch(event.Records, deps.log);
    const failed = [...malformed];
    const understood = messages.map((item) => item.messageId);
    const tags = new Set(messages.flatMap((item) => tagsForChange(item.message)));
    if (tags.size > 0) {
      try {
        await deps.cache.invalidateTags([...tags]);
      } catch (error) {
        deps.log.error('cache unavailable; the batch will be retried', error as Error);
        failed.push(...understood);
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
