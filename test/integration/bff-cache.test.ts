import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { problemResponse } from '#lib/http';
import { type RateLimiter, rateLimit, redisRateLimiter } from '../../bff/abuse/rate-limit.ts';
import type { Principal } from '../../bff/auth/principal.ts';
import { redisCache } from '../../bff/cache/redis-cache.ts';
import { freePort } from '../support/child.ts';
import { startRedis } from '../support/redis.ts';
import { eventually } from '../support/sync-fixture.ts';

/** Options the BFF uses: no command queue while disconnected, quick background reconnects. */
const clientOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 1000,
  retryStrategy: () => 100,
};

const clients: Redis[] = [];
const client = (url: string, options: RedisOptions = {}) => {
  const redis = new Redis(url, { ...clientOptions, ...options });
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
};
afterEach(() => {
  for (const redis of clients.splice(0)) redis.disconnect();
});

/** A logger that keeps what the cache reports, to check an outage is logged once, not per read. */
/** Whether a promise settles before the event loop's next turn, i.e. without waiting for I/O. */
function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
  ]);
}

function recordingLog() {
  const lines: Array<{ level: 'warn' | 'info'; message: string }> = [];
  return {
    lines,
    warn: (message: string) => lines.push({ level: 'warn', message }),
    info: (message: string) => lines.push({ level: 'info', message }),
  };
}

const namespace = () => `t${randomBytes(4).toString('hex')}:`;

/** A loader that counts its calls and returns a new version of the value each time. */
function countingLoader(name = 'song') {
  let calls = 0;
  const load = async () => {
    calls++;
    return { name, version: calls };
  };
  return {
    load,
    get calls() {
      return calls;
    },
  };
}

const ttl = { ttlSeconds: 60 };

describe('read cache on a real Redis', () => {
  const cacheOn = (redis: Redis, ns = namespace(), log = recordingLog()) =>
    redisCache(redis, { log, namespace: ns, retryAfterMs: 200 });

  it('misses and loads on the first read, then hits without calling the loader', async () => {
    const cache = cacheOn(client(inject('redisUrl')));
    const loader = countingLoader();
    expect(await cache.getOrLoad('song:1', ['song:1'], loader.load, ttl)).toEqual({
      value: { name: 'song', version: 1 },
      outcome: 'miss',
    });
    expect(await cache.getOrLoad('song:1', ['song:1'], loader.load, ttl)).toEqual({
      value: { name: 'song', version: 1 },
      outcome: 'hit',
    });
    expect(loader.calls).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, degradedReads: 0, redis: 'up' });
  });

  it('makes the next read of every entry under an invalidated tag a miss, and leaves other tags alone', async () => {
    const cache = cacheOn(client(inject('redisUrl')));
    const one = countingLoader('one');
    const two = countingLoader('two');
    await cache.getOrLoad('song:1', ['song:1', 'songs:search'], one.load, ttl);
    await cache.getOrLoad('song:2', ['song:2'], two.load, ttl);
    await cache.invalidateTags(['song:1']);
    expect(await cache.getOrLoad('song:1', ['song:1', 'songs:search'], one.load, ttl)).toEqual({
      value: { name: 'one', version: 2 },
      outcome: 'miss',
    });
    expect((await cache.getOrLoad('song:2', ['song:2'], two.load, ttl)).outcome).toBe('hit');
    // Invalidating twice (a redelivered message) costs one more miss, nothing else.
    await cache.invalidateTags(['songs:search']);
    await cache.invalidateTags(['songs:search']);
    expect((await cache.getOrLoad('song:1', ['song:1', 'songs:search'], one.load, ttl)).outcome).toBe('miss');
    expect((await cache.getOrLoad('song:1', ['song:1', 'songs:search'], one.load, ttl)).outcome).toBe('hit');
  });

  it('sees invalidations made by another process on the same Redis', async () => {
    const ns = namespace();
    const reader = cacheOn(client(inject('redisUrl')), ns);
    const invalidator = cacheOn(client(inject('redisUrl')), ns);
    const loader = countingLoader();
    await reader.getOrLoad('singer:7', ['singer:7'], loader.load, ttl);
    await invalidator.invalidateTags(['singer:7']);
    expect(await reader.getOrLoad('singer:7', ['singer:7'], loader.load, ttl)).toMatchObject({
      value: { version: 2 },
      outcome: 'miss',
    });
  });

  describe('with tag generations kept in process', () => {
    const keeping = (redis: Redis, ns: string, generationTtlMs: number) =>
      redisCache(redis, { log: recordingLog(), namespace: ns, retryAfterMs: 200, generationTtlMs });

    it('sees another process’s invalidation once its kept generations expire, not before', async () => {
      const ns = namespace();
      const reader = keeping(client(inject('redisUrl')), ns, 300);
      const elsewhere = keeping(client(inject('redisUrl')), ns, 300);
      const loader = countingLoader();
      await reader.getOrLoad('song:3', ['song:3'], loader.load, ttl);
      await elsewhere.invalidateTags(['song:3']);
      expect((await reader.getOrLoad('song:3', ['song:3'], loader.load, ttl)).outcome).toBe('hit');
      await eventually(async () => {
        expect(await reader.getOrLoad('song:3', ['song:3'], loader.load, ttl)).toMatchObject({
          value: { version: 2 },
          outcome: 'miss',
        });
      }, 2000);
    });

    it('renews held generations in the background past half their lifetime, while they are read', async () => {
      const ns = namespace();
      const cache = keeping(client(inject('redisUrl')), ns, 200);
      const elsewhere = keeping(client(inject('redisUrl')), ns, 200);
      await cache.getOrLoad('song:6', ['song:6'], countingLoader().load, ttl);
      expect(cache.keptGenerations(['song:6'])).toEqual([null]);
      await elsewhere.invalidateTags(['song:6']);
      await sleep(120);
      // Still the generation read before; past half its lifetime this read starts a renewal.
      expect(cache.keptGenerations(['song:6'])).toEqual([null]);
      await sleep(120);
      // Past the first lifetime, and held all along: renewed, with the other process's change.
      expect(cache.keptGenerations(['song:6'])).toEqual(['1']);
      // Nobody reads it any more: it expires.
      await sleep(450);
      expect(cache.keptGenerations(['song:6'])).toBeUndefined();
    });

    it('shows this process’s own invalidation to its very next read', async () => {
      const cache = keeping(client(inject('redisUrl')), namespace(), 60_000);
      const loader = countingLoader();
      await cache.getOrLoad('song:4', ['song:4'], loader.load, ttl);
      await cache.invalidateTags(['song:4']);
      expect(await cache.getOrLoad('song:4', ['song:4'], loader.load, ttl)).toMatchObject({
        value: { version: 2 },
        outcome: 'miss',
      });
    });

    it('does not keep generations fetched before an invalidation of its own finished', async () => {
      const ns = namespace();
      const redis = client(inject('redisUrl'));
      const cache = keeping(redis, ns, 60_000);
      const loader = countingLoader();
      await cache.getOrLoad('song:5', ['song:5'], loader.load, ttl);
      await cache.invalidateTags(['song:5']);
      // A read whose generation fetch races the next invalidation: whatever it read, the read
      // after the invalidation must not reuse it.
      const racing = cache.getOrLoad('song:5', ['song:5'], loader.load, ttl);
      await cache.invalidateTags(['song:5']);
      await racing;
      const after = await cache.getOrLoad('song:5', ['song:5'], loader.load, ttl);
      expect(after.outcome).toBe('miss');
      expect(after.value).toMatchObject({ version: loader.calls });
    });
  });

  it('never serves a load that started before an invalidation to a read made after it', async () => {
    const cache = cacheOn(client(inject('redisUrl')));
    let releaseStale!: () => void;
    const staleLoad = cache.getOrLoad(
      'song:9',
      ['song:9'],
      () => new Promise((resolve) => (releaseStale = () => resolve('title before the edit'))),
      ttl,
    );
    await eventually(async () => expect(releaseStale).toBeTypeOf('function'));
    // The edit lands while the old value is still being loaded.
    await cache.invalidateTags(['song:9']);
    const freshLoad = cache.getOrLoad('song:9', ['song:9'], async () => 'title after the edit', ttl);
    releaseStale();
    expect((await staleLoad).value).toBe('title before the edit');
    expect(await freshLoad).toEqual({ value: 'title after the edit', outcome: 'miss' });
    // The stale value was stored, but under the old generation, which nobody reads any more.
    expect(await cache.getOrLoad('song:9', ['song:9'], async () => 'unused', ttl)).toEqual({
      value: 'title after the edit',
      outcome: 'hit',
    });
  });

  it('stores every entry with a lifetime within the base TTL ± 20 %', async () => {
    const redis = client(inject('redisUrl'));
    const ns = namespace();
    const cache = cacheOn(redis, ns);
    for (let n = 0; n < 40; n++) await cache.getOrLoad(`k${n}`, ['t'], async () => n, { ttlSeconds: 100 });
    const keys = await redis.keys(`${ns}cache:*`);
    expect(keys).toHaveLength(40);
    const lifetimes = await Promise.all(keys.map((key) => redis.pttl(key)));
    for (const lifetime of lifetimes) {
      expect(lifetime).toBeGreaterThan(80_000 - 5_000);
      expect(lifetime).toBeLessThanOrEqual(120_000);
    }
    expect(new Set(lifetimes.map((lifetime) => Math.round(lifetime / 1000))).size).toBeGreaterThan(5);
  });

  it('loads a cold key once for 100 concurrent reads', async () => {
    const cache = cacheOn(client(inject('redisUrl')));
    let calls = 0;
    const slowLoader = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { id: 'cold' };
    };
    const reads = await Promise.all(
      Array.from({ length: 100 }, () => cache.getOrLoad('song:cold', ['song:cold'], slowLoader, ttl)),
    );
    expect(calls).toBe(1);
    expect(reads.every((read) => read.value.id === 'cold')).toBe(true);
    expect((await cache.getOrLoad('song:cold', ['song:cold'], slowLoader, ttl)).outcome).toBe('hit');
  });

  it('serves reads from the loader when Redis is unreachable, counts them and logs the outage once', async () => {
    const log = recordingLog();
    const cache = cacheOn(client(`redis://127.0.0.1:${await freePort()}`), namespace(), log);
    const loader = countingLoader();
    for (let n = 0; n < 20; n++) {
      const read = await cache.getOrLoad('song:1', ['song:1'], loader.load, ttl);
      expect(read.outcome).toBe('bypass');
      expect(read.value.version).toBe(n + 1);
    }
    expect(cache.stats()).toMatchObject({ degradedReads: 20, hits: 0, redis: 'down' });
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    // Invalidations say they failed, so the cache-invalidator queue retries them.
    await expect(cache.invalidateTags(['song:1'])).rejects.toThrow(/cache invalidation of song:1 failed/);
  });

  it('gives up on a Redis that stops answering within its timeout, and uses it again once it answers', async () => {
    const proxy = await stallingProxy(inject('redisUrl'));
    try {
      const log = recordingLog();
      const redis = client(proxy.url);
      const cache = redisCache(redis, { log, namespace: namespace(), timeoutMs: 75, retryAfterMs: 200 });
      const loader = countingLoader();
      const read = () => cache.getOrLoad('song:1', ['song:1'], loader.load, ttl);
      expect((await read()).outcome).toBe('miss');

      proxy.stall(true);
      const started = Date.now();
      expect(await read()).toMatchObject({ value: { version: 2 }, outcome: 'bypass' });
      // Bounded by the command timeout, not by how long Redis stays silent.
      expect(Date.now() - started).toBeLessThan(1000);
      // One slow answer is not an outage yet; a few in a row are, and are logged once.
      expect(log.lines).toEqual([]);
      for (let n = 0; n < 4; n++) expect((await read()).outcome).toBe('bypass');
      expect(log.lines).toEqual([
        { level: 'warn', message: expect.stringMatching(/^read cache: redis unavailable/) },
      ]);
      expect(cache.stats().redis).toBe('down');

      proxy.stall(false);
      await eventually(async () => expect((await read()).outcome).toBe('hit'), 5000, 50);
      expect(log.lines.map((line) => line.level)).toEqual(['warn', 'info']);
    } finally {
      proxy.close();
    }
  });

  it('keeps answering while its Redis is stopped mid-run, and hits again once it is back', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'bff-cache-redis-'));
    const port = await freePort();
    const part = { runDir, cacheDir: runDir, progress: () => {}, port };
    let redisServer = await startRedis(part);
    try {
      const log = recordingLog();
      const cache = cacheOn(client(redisServer.url), namespace(), log);
      const loader = countingLoader();
      const read = () => cache.getOrLoad('song:1', ['song:1'], loader.load, ttl);
      expect((await read()).outcome).toBe('miss');
      expect((await read()).outcome).toBe('hit');

      await redisServer.stop();
      for (let n = 0; n < 30; n++) {
        const during = await read();
        expect(during.outcome).toBe('bypass');
        expect(during.value.name).toBe('song');
      }
      expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(1);

      redisServer = await startRedis(part);
      // The restarted server is empty (no persistence): one miss refills it, then reads hit.
      await eventually(async () => expect((await read()).outcome).toBe('hit'), 10_000, 100);
      expect(log.lines.map((line) => line.level)).toEqual(['warn', 'info']);
      expect(log.lines[1]?.message).toMatch(/redis is back/);
      expect(cache.stats().redis).toBe('up');
    } finally {
      await redisServer.stop();
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});

describe('rate limits on a real Redis', () => {
  const config = { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 5, RATE_LIMIT_USER_PER_MINUTE: 8 };

  function appWith(rateLimiter: RateLimiter) {
    const app = new Hono<{ Variables: { principal: Principal | null } }>();
    app.use('*', async (c, next) => {
      const user = c.req.header('x-test-user');
      c.set('principal', user ? { id: user, roles: ['singer'], via: 'bearer' } : null);
      await next();
    });
    app.use('*', rateLimit({ rateLimiter, config }));
    app.get('/api/songs/search', (c) => c.json({ items: [] }));
    app.onError(problemResponse);
    return app;
  }
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
  /**
   * A clock held in the middle of a one-minute window: with the real clock, a new minute starting
   * during a test would reset the counts it checks (a fresh window, a first take from Redis).
   */
  const midWindow = () => 60_000 * 2_000_000 + 30_000;
  const limiter = (redis: Redis, ns: string, log = recordingLog()) =>
    redisRateLimiter(redis, { log, namespace: ns, now: midWindow });

  it('answers 429 with Retry-After once an address used its minute, without affecting another address', async () => {
    const app = appWith(limiter(client(inject('redisUrl')), namespace()));
    const statuses = [];
    for (let n = 0; n < 6; n++)
      statuses.push((await app.request('/api/songs/search', {}, from('203.0.113.5'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await app.request('/api/songs/search', {}, from('203.0.113.5'));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect((await app.request('/api/songs/search', {}, from('203.0.113.6'))).status).toBe(200);
  });

  it('counts a user across BFF instances sharing the Redis', async () => {
    const ns = namespace();
    const first = appWith(limiter(client(inject('redisUrl')), ns));
    const second = appWith(limiter(client(inject('redisUrl')), ns));
    const asUser = (app: ReturnType<typeof appWith>) =>
      app.request('/api/songs/search', { headers: { 'x-test-user': 'u-1' } }, from('198.51.100.4'));
    const statuses = [];
    for (let n = 0; n < 9; n++) statuses.push((await asUser(n % 2 === 0 ? first : second)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(8);
    expect(statuses.at(-1)).toBe(429);
  });

  it('gives each window counter a lifetime of one window, set once when it is created', async () => {
    const ns = namespace();
    const redis = client(inject('redisUrl'));
    const rateLimiter = limiter(redis, ns);
    await rateLimiter.consume('ip:203.0.113.9', 5, 60);
    const [key] = await redis.keys(`${ns}ratelimit:ip:203.0.113.9:*`);
    expect(key).toBeDefined();
    expect(await redis.ttl(key as string)).toBeGreaterThan(55);
    await redis.expire(key as string, 30);
    await rateLimiter.consume('ip:203.0.113.9', 5, 60);
    expect(await redis.get(key as string)).toBe('2');
    // A later request in the window neither extends nor drops the lifetime.
    expect(await redis.ttl(key as string)).toBeLessThanOrEqual(30);
    expect(await redis.ttl(key as string)).toBeGreaterThan(0);
  });

  it('never admits more than the limit, however many instances take from one window at once', async () => {
    const ns = namespace();
    const instances = [0, 1, 2].map(() => limiter(client(inject('redisUrl')), ns));
    const decisions = await Promise.all(
      Array.from({ length: 700 }, (_, n) => (instances[n % 3] as RateLimiter).consume('user:crowd', 200, 60)),
    );
    const allowed = decisions.filter((decision) => decision.allowed).length;
    expect(allowed).toBeLessThanOrEqual(200);
    // What an instance took and did not hand out is lost: at most 1/16 of the rest per instance.
    expect(allowed).toBeGreaterThanOrEqual(200 - 3 * Math.ceil(200 / 16));
    const redis = client(inject('redisUrl'), { enableOfflineQueue: true });
    const [key] = await redis.keys(`${ns}ratelimit:user:crowd:*`);
    expect(Number(await redis.get(key as string))).toBeGreaterThanOrEqual(allowed);
  });

  it("takes a busy client's requests from Redis in batches, and one at a time near the limit", async () => {
    const redis = client(inject('redisUrl')) as Redis & {
      takeFromWindow(...args: unknown[]): Promise<number>;
    };
    const rateLimiter = limiter(redis, namespace());
    const take = redis.takeFromWindow.bind(redis);
    let commands = 0;
    redis.takeFromWindow = (...args) => {
      commands++;
      return take(...args);
    };
    for (let n = 0; n < 1000; n++)
      expect((await rateLimiter.consume('user:busy', 100_000, 60)).allowed).toBe(true);
    expect(commands).toBeLessThan(40);

    commands = 0;
    const near = [];
    for (let n = 0; n < 12; n++) near.push((await rateLimiter.consume('user:near', 10, 60)).allowed);
    expect(near).toEqual([...Array(10).fill(true), false, false]);
    // 1 each until the count is spent, then refused without asking Redis again.
    expect(commands).toBe(10);
  });

  it('starts a busy bucket’s next window at the batch size it had reached', async () => {
    const ns = namespace();
    let at = 60_000 * 1_000_000 + 5_000;
    const rateLimiter = redisRateLimiter(client(inject('redisUrl')), {
      log: recordingLog(),
      namespace: ns,
      now: () => at,
    });
    for (let n = 0; n < 500; n++) await rateLimiter.consume('user:steady', 100_000, 60);
    at += 60_000;
    expect((await rateLimiter.consume('user:steady', 100_000, 60)).allowed).toBe(true);
    const counted = await client(inject('redisUrl'), { enableOfflineQueue: true }).get(
      `${ns}ratelimit:user:steady:${Math.floor(at / 60_000)}`,
    );
    expect(counted).toBe('64');
  });

  it('takes the next batch while half of the last is left, so a steady client never waits for Redis', async () => {
    const redis = client(inject('redisUrl')) as Redis & {
      takeFromWindow(...args: unknown[]): Promise<number>;
    };
    // Redis may be slow on a busy machine: it gets time to answer, so no take gives up.
    const rateLimiter = redisRateLimiter(redis, {
      log: recordingLog(),
      namespace: namespace(),
      now: midWindow,
      timeoutMs: 1_000,
    });
    for (let n = 0; n < 200; n++) await rateLimiter.consume('user:steady', 100_000, 60);
    // From now on every take answers 50 ms late, and the client sends a request every 4 ms: a batch
    // of 64 lasts over 250 ms, so a take started at its half arrives long before it runs out.
    const take = redis.takeFromWindow.bind(redis);
    let lateAnswers = 0;
    redis.takeFromWindow = async (...args) => {
      const asked = performance.now();
      await sleep(50);
      const answer = await take(...args);
      if (performance.now() - asked >= 50) lateAnswers++;
      return answer;
    };
    // A decision made from the batch held settles before the event loop turns; one that waits for
    // Redis does not.
    let waited = 0;
    for (let n = 0; n < 200; n++) {
      const decision = rateLimiter.consume('user:steady', 100_000, 60);
      if ((await settlesAtOnce(decision)) === false) waited++;
      expect((await decision).allowed).toBe(true);
      await sleep(4);
    }
    // The client did meet the slow Redis: 200 requests outlast two batches, each taken late.
    expect(lateAnswers).toBeGreaterThanOrEqual(2);
    expect(waited).toBe(0);
  });

  it('counts in this process when Redis is down, so the limit still holds, and logs that once', async () => {
    const log = recordingLog();
    const app = appWith(limiter(client(`redis://127.0.0.1:${await freePort()}`), namespace(), log));
    const statuses: number[] = [];
    for (let n = 0; n < 20; n++) {
      statuses.push((await app.request('/api/songs/search', {}, from('203.0.113.5'))).status);
    }
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(15).fill(429)]);
    expect((await app.request('/api/songs/search', {}, from('203.0.113.6'))).status).toBe(200);
    expect(log.lines).toEqual([
      { level: 'warn', message: expect.stringMatching(/^rate limits: redis unavailable/) },
    ]);
  });
});

/**
 * A TCP proxy in front of Redis that can hold back Redis's answers (a hung or overloaded server)
 * and later deliver them in order, as a slow network would.
 */
async function stallingProxy(
  upstreamUrl: string,
): Promise<{ url: string; stall(on: boolean): void; close(): void }> {
  const upstream = new URL(upstreamUrl);
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const toRedis = connect({ host: upstream.hostname, port: Number(upstream.port) });
    for (const socket of [downstream, toRedis]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        downstream.destroy();
        toRedis.destroy();
      });
    }
    downstream.on('data', (chunk) => toRedis.write(chunk));
    toRedis.on('data', (chunk) => {
      if (stalled) held.push(() => downstream.write(chunk));
      else downstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    stall(on) {
      stalled = on;
      if (!on) for (const deliver of held.splice(0)) deliver();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

afterAll(() => {
  for (const redis of clients.splice(0)) redis.disconnect();
});
