import type { Redis } from 'ioredis';

/**
 * The little key-value storage sessions and pending sign-ins need. Values expire; `take` reads and
 * deletes in one step so a value can be used once only.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  take(key: string): Promise<string | null>;
  expire(key: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** How long the first commands wait for a client that is still connecting at cold start. */
const CONNECT_GRACE_MS = 1000;

/**
 * Redis behind the store. The client is expected not to queue commands while disconnected, so a
 * Redis outage fails each call at once; only right after start do calls wait (briefly) for the
 * first connection, so the first requests of a fresh process do not fail for nothing.
 */
export function redisKeyValueStore(redis: Redis): KeyValueStore {
  let firstConnection: Promise<void> | undefined =
    redis.status === 'ready' ? undefined : firstReady(redis, CONNECT_GRACE_MS);
  const connected = async () => {
    if (!firstConnection) return;
    await firstConnection;
    firstConnection = undefined;
  };
  return {
    async get(key) {
      await connected();
      return redis.get(key);
    },
    async set(key, value, ttlSeconds) {
      await connected();
      await redis.set(key, value, 'EX', ttlSeconds);
    },
    async take(key) {
      await connected();
      return redis.getdel(key);
    },
    async expire(key, ttlSeconds) {
      await connected();
      await redis.expire(key, ttlSeconds);
    },
    async delete(key) {
      await connected();
      await redis.del(key);
    },
  };
}

/** Resolves when the client is ready or the grace period is over, whichever comes first. */
function firstReady(redis: Redis, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    timer.unref();
    redis.once('ready', done);
  });
}

/** An in-process store: unit tests, and nothing else (it is neither shared nor durable). */
export function memoryKeyValueStore(now: () => number = Date.now): KeyValueStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) entries.delete(key);
    return entries.get(key);
  };
  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlSeconds) {
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
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
    async delete(key) {
      entries.delete(key);
    },
  };
}
