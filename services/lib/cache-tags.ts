import type { Redis } from 'ioredis';

/**
 * Tags name what a cached read depends on. The BFF's read cache files each entry under its tags;
 * the cache-invalidator turns every change message into tags; either side invalidating a tag makes
 * every entry filed under it unreachable. Both sides build tag names here, so they cannot drift.
 */
export const cacheTags = {
  /** One song by id (`GET /api/songs/:id`). */
  song: (id: string) => `song:${id}`,
  /** Every cached search result: any song change may move a song into or out of any result. */
  songSearch: 'songs:search',
  /** Any other row, named as the outbox names it: `singer:<id>`, `favourite:<singer>:<song>`. */
  entity: (entity: string, key: string) => `${entity}:${key}`,
  /** Everything about one singer (profile, favourites): the tag of the singer's outbox changes. */
  singer: (id: string) => `singer:${id}`,
  /** One night's rotation. */
  rotation: (eventId: string) => `rotation:${eventId}`,
  /** Every singer's upcoming turns as `/api/me` caches them: they span nights, so any rotation write may move them. */
  anyRotation: 'rotation:any',
} as const;

/**
 * The Redis key holding a tag's generation: an integer, missing means 0. It carries no TTL, so
 * Redis must evict with a `volatile-*` policy (ElastiCache's default, `volatile-lru`): an evicted
 * generation would fall back to 0 and could make older entries reachable again.
 */
export const tagGenerationKey = (namespace: string, tag: string) => `${namespace}tag:${tag}`;

/** What invalidating needs: the BFF's cache and the cache-invalidator Lambda both provide it. */
export interface TagInvalidator {
  /** Makes every entry filed under any of the tags unreachable; rejects when Redis does not answer. */
  invalidateTags(tags: readonly string[]): Promise<void>;
}

/**
 * INCRs each tag's generation in one round trip. Idempotent in effect and order-free: a second
 * INCR (a redelivered message) only costs one more miss, and generations never go back.
 */
export async function bumpTagGenerations(
  redis: Redis,
  namespace: string,
  tags: readonly string[],
): Promise<void> {
  const unique = [...new Set(tags)];
  if (unique.length === 0) return;
  const pipeline = redis.pipeline();
  for (const tag of unique) pipeline.incr(tagGenerationKey(namespace, tag));
  const results = await pipeline.exec();
  if (!results) throw new Error('redis returned no results for the tag invalidation');
  const failure = results.find(([error]) => error);
  if (failure?.[0]) throw failure[0];
}

/** Tag invalidation straight on a Redis client (the cache-invalidator Lambda's adapter). */
export function redisTagInvalidator(redis: Redis, options: { namespace?: string } = {}): TagInvalidator {
  const namespace = options.namespace ?? '';
  return { invalidateTags: (tags) => bumpTagGenerations(redis, namespace, tags) };
}
