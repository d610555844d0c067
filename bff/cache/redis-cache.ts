import type { Redis } from 'ioredis';
import { bumpTagGenerations, tagGenerationKey } from '#lib/cache-tags';
import { DependencyError } from '#lib/errors';
import type { Logger } from '#lib/log';
import type { Cache, CacheRead } from './port.ts';
import { redisGuard } from './redis-guard.ts';
import { singleFlight } from './single-flight.ts';

export interface RedisCacheOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** Prefix of every Redis key this cache uses; '' in the deployed system, a private one in tests. */
  namespace?: string;
  /** How long one Redis command may take before the read goes to the loader instead. */
  timeoutMs?: number;
  /** Entry lifetimes are spread by ± this fraction of the base TTL. */
  jitter?: number;
  /** After a Redis failure, reads skip Redis for this long before trying it again. */
  retryAfterMs?: number;
  /**
   * How long this process may reuse tag generations it read (0: read them for every request).
   * Saves a Redis round trip per hot read; an invalidation made elsewhere is then seen within this
   * time, one made by this process at once.
   */
  generationTtlMs?: number;
  random?: () => number;
}

const DEFAULTS = { timeoutMs: 75, jitter: 0.2, retryAfterMs: 1000 };

/** Tags whose generations one process keeps at most (one per song read, so bounded). */
const MAX_KEPT_GENERATIONS = 50_000;

/**
 * The read cache on Redis, with versioned keys and tag sets.
 *
 * **Versioning rule.** Every tag has a generation, an integer under `tag:<name>` (missing = 0).
 * A read first fetches the current generations of its tags (one MGET), then uses the entry key
 * `cache:<key>#<generation of each tag>`. Invalidating a tag is one INCR of its generation: every
 * entry built on an older generation is never read again and expires by its TTL. Invalidation is
 * O(1) however many entries a tag covers, needs no key scan, and is idempotent and order-free.
 *
 * **Why a load that started before an invalidation is never served after it.** The entry key is
 * fixed from the generations read *before* the loader runs, and the loader's result is stored only
 * under that key. If an invalidation lands while the loader runs, the result (possibly stale)
 * goes under the old generation, which no later read asks for: reads after the INCR see the new
 * generation, miss, and load again. In-process single-flight is keyed by the same versioned key,
 * so a read after the invalidation cannot join the older load either. Reading the generations
 * after loading would break this (stale data filed under the new generation), hence the order.
 *
 * **Generations kept in process** (`generationTtlMs`) keep the rule: an entry still gets the
 * generations read before its load, only maybe read a little earlier. This process's own
 * invalidations drop the kept generations of their tags, and a fetch of generations that began
 * before an invalidation here is not kept, so a writer reads its own write at once.
 *
 * **Redis trouble** (down, slow beyond `timeoutMs`) never fails a read: it goes to the loader and
 * answers `bypass`, counted in `degradedReads`; the outage is logged once and the cache recovers
 * by itself when Redis answers again. While Redis is down, concurrent reads of one key still share
 * one load, but never one that started before an invalidation made in this process.
 */
export function redisCache(redis: Redis, options: RedisCacheOptions): Cache {
  const namespace = options.namespace ?? '';
  const jitter = options.jitter ?? DEFAULTS.jitter;
  const random = options.random ?? Math.random;
  const guard = redisGuard(redis, {
    log: options.log,
    component: 'read cache',
    consequence: 'reads go straight to the services until it answers again',
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    retryAfterMs: options.retryAfterMs ?? DEFAULTS.retryAfterMs,
  });
  const flights = singleFlight<CacheRead<unknown>>();
  const generationTtlMs = options.generationTtlMs ?? 0;
  const heldGenerations = new Map<string, { generation: string | null; until: number; renewAt: number }>();
  // Tag lists whose generations are being read again ahead of their expiry.
  const renewing = new Set<string>();
  const counts = { hits: 0, misses: 0, degradedReads: 0 };
  // Invalidations made by this process, so loads merged while Redis is down respect them too.
  let localInvalidations = 0;

  const bypass = (key: string, loader: () => Promise<unknown>) =>
    flights.run(`bypass#${localInvalidations}#${key}`, async () => ({
      value: await loader(),
      outcome: 'bypass',
    }));

  const readThrough = (entryKey: string, loader: () => Promise<unknown>, ttlMs: number) =>
    flights.run(entryKey, async (): Promise<CacheRead<unknown>> => {
      const stored = await guard.run((client) => client.get(entryKey)).catch(() => undefined);
      if (typeof stored === 'string') {
        const parsed = parseJson(stored);
        if (parsed.ok) return { value: parsed.value, outcome: 'hit' };
      }
      const value = await loader();
      if (stored === undefined) return { value, outcome: 'bypass' };
      const json = JSON.stringify(value);
      // Stored before the flight ends, so a read that missed just before this SET joins the flight
      // instead of loading a second time.
      if (json !== undefined) {
        await guard.run((client) => client.set(entryKey, json, 'PX', ttlMs)).catch(() => undefined);
      }
      return { value, outcome: 'miss' };
    });

  return {
    async getOrLoad<T>(
      key: string,
      tags: readonly string[],
      loader: () => Promise<T>,
      { ttlSeconds }: { ttlSeconds: number },
    ): Promise<CacheRead<T>> {
      let read: CacheRead<unknown>;
      const generations = await readGenerations(tags).catch(() => undefined);
      if (generations === undefined) {
        read = await bypass(key, loader);
      } else {
        const entryKey = versionedKey(namespace, key, generations);
        read = await readThrough(entryKey, loader, jitteredTtlMs(ttlSeconds, jitter, random));
      }
      if (read.outcome === 'hit') counts.hits++;
      else if (read.outcome === 'miss') counts.misses++;
      else counts.degradedReads++;
      return read as CacheRead<T>;
    },

    async invalidateTags(tags) {
      localInvalidations++;
      for (const tag of tags) heldGenerations.delete(tag);
      try {
        await guard.run((client) => bumpTagGenerations(client, namespace, tags), { force: true });
      } catch (error) {
        throw new DependencyError(`cache invalidation of ${tags.join(', ')} failed`, { cause: error });
      }
    },

    keptGenerations,

    stats: () => ({ ...counts, redis: guard.up ? 'up' : 'down' }),
  };

  /**
   * Generations held for every tag and not expired; undefined otherwise. Past half their lifetime
   * they are read again in the background, so a steady stream of reads of hot tags keeps finding
   * them held (each read from Redis at most `generationTtlMs` ago) instead of all waiting for Redis
   * together when they expire.
   */
  function keptGenerations(tags: readonly string[]): Array<string | null> | undefined {
    const now = Date.now();
    const generations: Array<string | null> = [];
    let renew = false;
    for (const tag of tags) {
      const entry = heldGenerations.get(tag);
      if (entry === undefined || entry.until <= now) return undefined;
      if (entry.renewAt <= now) renew = true;
      generations.push(entry.generation);
    }
    if (renew) renewInBackground(tags);
    return generations;
  }

  function renewInBackground(tags: readonly string[]): void {
    const key = tags.join('\n');
    if (renewing.has(key)) return;
    renewing.add(key);
    fetchGenerations(tags)
      .catch(() => undefined)
      .finally(() => renewing.delete(key));
  }

  async function readGenerations(tags: readonly string[]): Promise<Array<string | null>> {
    if (tags.length === 0) return [];
    return keptGenerations(tags) ?? fetchGenerations(tags);
  }

  async function fetchGenerations(tags: readonly string[]): Promise<Array<string | null>> {
    const invalidationsBefore = localInvalidations;
    // Their age counts from the asking: an invalidation may land while the answer travels.
    const askedAt = Date.now();
    const generations = await guard.run((client) =>
      client.mget(tags.map((tag) => tagGenerationKey(namespace, tag))),
    );
    if (generationTtlMs > 0 && invalidationsBefore === localInvalidations) {
      if (heldGenerations.size > MAX_KEPT_GENERATIONS) heldGenerations.clear();
      const held = { until: askedAt + generationTtlMs, renewAt: askedAt + generationTtlMs / 2 };
      tags.forEach((tag, index) => {
        heldGenerations.set(tag, { generation: generations[index] ?? null, ...held });
      });
    }
    return generations;
  }
}

/** The entry key for `key` under the given tag generations (missing generations count as 0). */
export function versionedKey(namespace: string, key: string, generations: ReadonlyArray<string | null>) {
  return `${namespace}cache:${key}#${generations.map((generation) => generation ?? '0').join('.')}`;
}

/** A lifetime within base × (1 ± jitter), in milliseconds, never below 1 ms. */
export function jitteredTtlMs(ttlSeconds: number, jitter: number, random: () => number = Math.random) {
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.max(1, Math.round(ttlSeconds * 1000 * factor));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
