import type { Redis } from 'ioredis';
import type { Logger } from '#lib/log';
import { redisGuard } from '../cache/redis-guard.ts';

/**
 * The little key-value storage sessions and pending sign-ins need. Values expire; `take` reads and
 * deletes in one step so a value can be used once only. Sets index sessions by user.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets the value only when the key is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Sets the value only when the key still exists; false when it is gone (deleted or expired). */
  replace(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  take(key: string): Promise<string | null>;
  expire(key: string, ttlSeconds: number): Promise<void>;
  /** Deletes the keys; returns how many existed. */
  delete(...keys: string[]): Promise<number>;
  /** Adds a member to the set and (re)starts the set's expiry. */
  addToSet(key: string, member: string, ttlSeconds: number): Promise<void>;
  removeFromSet(key: string, ...members: string[]): Promise<void>;
  members(key: string): Promise<string[]>;
  /** Which of the keys exist, in the order given. */
  exist(keys: readonly string[]): Promise<boolean[]>;
}

export interface RedisKeyValueOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** How long one call may take before it fails (a hung Redis must not hold a request). */
  timeoutMs: number;
  /** Once Redis counts as down, calls fail at once for this long instead of each paying the timeout. */
  retryAfterMs: number;
}

/**
 * Redis behind the store, each call guarded like the read cache's ({@link redisGuard}): a timeout
 * per call, and fail-fast while Redis counts as down. Unlike the read cache, a failed call is not
 * hidden: it rejects, and the caller decides (a session that cannot be read is a 503, not a guess).
 */
export function redisKeyValueStore(redis: Redis, options: RedisKeyValueOptions): KeyValueStore {
  const guard = redisGuard(redis, {
    log: options.log,
    component: 'session store',
    consequence: 'requests that need the signed-in user get 503',
    timeoutMs: options.timeoutMs,
    retryAfterMs: options.retryAfterMs,
  });
  const run = guard.run.bind(guard);
  return {
    get: (key) => run((r) => r.get(key)),
    async set(key, value, ttlSeconds) {
      await run((r) => r.set(key, value, 'EX', ttlSeconds));
    },
    async setIfAbsent(key, value, ttlSeconds) {
      return (await run((r) => r.set(key, value, 'EX', ttlSeconds, 'NX'))) === 'OK';
    },
    async replace(key, value, ttlSeconds) {
      return (await run((r) => r.set(key, value, 'EX', ttlSeconds, 'XX'))) === 'OK';
    },
    take: (key) => run((r) => r.getdel(key)),
    async expire(key, ttlSeconds) {
      await run((r) => r.expire(key, ttlSeconds));
    },
    delete: (...keys) => (keys.length === 0 ? Promise.resolve(0) : run((r) => r.del(...keys))),
    async addToSet(key, member, ttlSeconds) {
      await run((r) => r.multi().sadd(key, member).expire(key, ttlSeconds).exec());
    },
    async removeFromSet(key, ...members) {
      if (members.length > 0) await run((r) => r.srem(key, ...members));
    },
    members: (key) => run((r) => r.smembers(key)),
    async exist(keys) {
      if (keys.length === 0) return [];
      const replies = await run((r) => {
        const pipeline = r.pipeline();
        for (const key of keys) pipeline.exists(key);
        return pipeline.exec();
      });
      return (replies ?? []).map(([error, count]) => {
        if (error) throw error;
        return count === 1;
      });
    },
  };
}

/** An in-process store: unit tests, and nothing else (it is neither shared nor durable). */
export function memoryKeyValueStore(now: () => number = Date.now): KeyValueStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) entries.delete(key);
    return entries.get(key);
  };
  const liveSet = (key: string) => {
    const set = sets.get(key);
    if (set && set.expiresAt <= now()) sets.delete(key);
    return sets.get(key);
  };
  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlSeconds) {
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async setIfAbsent(key, value, ttlSeconds) {
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      return true;
    },
    async replace(key, value, ttlSeconds) {
      if (!live(key)) return false;
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      return true;
    },
    async take(key) {
      const value = live(key)?.value ?? null;
      entries.delete(key);
      return value;
    },
    async expire(key, ttlSeconds) {
      const entry = live(key);
      if (entry) entry.expiresAt = now() + ttlSeconds * 1000;
    },
    async delete(...keys) {
      let deleted = 0;
      for (const key of keys) {
        if (live(key) || sets.has(key)) deleted++;
        entries.delete(key);
        sets.delete(key);
      }
      return deleted;
    },
    async addToSet(key, member, ttlSeconds) {
      const set = liveSet(key) ?? { members: new Set<string>(), expiresAt: 0 };
      set.members.add(member);
      set.expiresAt = now() + ttlSeconds * 1000;
      sets.set(key, set);
    },
    async removeFromSet(key, ...members) {
      const set = liveSet(key);
      for (const member of members) set?.members.delete(member);
      if (set?.members.size === 0) sets.delete(key);
    },
    async members(key) {
      return [...(liveSet(key)?.members ?? [])];
    },
    async exist(keys) {
      return keys.map((key) => live(key) !== undefined || liveSet(key) !== undefined);
    },
  };
}
