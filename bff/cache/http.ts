import type { Context } from 'hono';
import type { BffEnv } from '../env.ts';
import type { CacheReadOptions } from './port.ts';

/** Response header saying how a cached route answered: `hit`, `miss` or `bypass`. */
export const CACHE_HEADER = 'x-cache';

/**
 * Reads through the BFF's cache (`c.get('deps').cache`) and says how in `X-Cache`. For routes whose
 * answer is the same for everyone who may see it; per-user answers put the user id in the key.
 */
export async function cachedRead<T>(
  c: Context<BffEnv>,
  key: string,
  tags: readonly string[],
  loader: () => Promise<T>,
  options: CacheReadOptions,
): Promise<T> {
  const { value, outcome } = await c.get('deps').cache.getOrLoad(key, tags, loader, options);
  c.header(CACHE_HEADER, outcome);
  return value;
}

/**
 * Invalidates what a write just changed, before the write is answered, so the writer's next read
 * sees it (read-your-writes). If Redis does not answer, the write still succeeds: the change also
 * reaches the cache-invalidator queue, which repeats the invalidation until Redis takes it.
 */
export async function invalidateAfterWrite(c: Context<BffEnv>, tags: readonly string[]): Promise<void> {
  try {
    await c.get('deps').cache.invalidateTags(tags);
  } catch (error) {
    c.get('log').warn('cache invalidation after a write failed; the cache-invalidator will repeat it', {
      'error.message': error instanceof Error ? error.message : String(error),
      tags: tags.join(','),
    });
  }
}
