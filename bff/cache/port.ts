import type { TagInvalidator } from '#lib/cache-tags';

/**
 * How a read was answered, sent to clients as `X-Cache`: `hit` from the cache, `miss` loaded and
 * stored, `bypass` loaded without the cache (Redis unreachable, or the cache switched off).
 */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface CacheRead<T> {
  value: T;
  outcome: CacheOutcome;
}

export interface CacheReadOptions {
  /** Base lifetime of the entry; each entry gets it with jitter so entries do not expire together. */
  ttlSeconds: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Reads answered without the cache because Redis was unreachable or slow. */
  degradedReads: number;
  /** `down` from a failed Redis call until one succeeds again. */
  redis: 'up' | 'down';
}

/**
 * The BFF's read cache: read-through, invalidated by tags.
 *
 * `getOrLoad` answers from the cache or calls `loader` and keeps its result for later reads;
 * concurrent misses of one key in one process share one `loader` call. Values must survive a JSON
 * round trip (plain objects, arrays, strings, numbers, booleans, null). Errors of `loader` reach
 * the caller and are not cached. Problems of the cache itself never do: the read goes to `loader`.
 *
 * `invalidateTags` makes every entry filed under one of the tags unreachable, for every process;
 * unlike reads it rejects when Redis does not answer, so a caller can tell the invalidation did
 * not happen (the cache-invalidator queue then retries it).
 */
export interface Cache extends TagInvalidator {
  getOrLoad<T>(
    key: string,
    tags: readonly string[],
    loader: () => Promise<T>,
    options: CacheReadOptions,
  ): Promise<CacheRead<T>>;
  /**
   * The generations of `tags` this process holds and may still use without asking Redis, in tag
   * order; undefined when it holds none fresh for one of them (then only `getOrLoad` can tell).
   */
  keptGenerations(tags: readonly string[]): ReadonlyArray<string | null> | undefined;
  stats(): CacheStats;
}

/**
 * No cache at all (`READ_CACHE=off`, unit tests): every read calls its loader and says `bypass`.
 * Concurrent reads are not merged either, which is what a baseline measurement wants.
 */
export function noCache(): Cache {
  return {
    getOrLoad: async (_key, _tags, loader) => ({ value: await loader(), outcome: 'bypass' }),
    async invalidateTags() {},
    keptGenerations: () => undefined,
    stats: () => ({ hits: 0, misses: 0, degradedReads: 0, redis: 'up' }),
  };
}
