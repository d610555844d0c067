import { sqsBatchHandler } from '#lib/batch';
import { cacheTags, type TagInvalidator } from '#lib/cache-tags';
import type { Logger } from '#lib/log';
import { type ChangeMessage, parseChangeMessage } from '../changes.ts';

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
  return sqsBatchHandler(
    {
      parse: (record) => parseChangeMessage(record.body),
      async apply(items) {
        const tags = new Set(items.flatMap((item) => tagsForChange(item.value)));
        await deps.cache.invalidateTags([...tags]);
        return [];
      },
    },
    deps.log,
  );
}
