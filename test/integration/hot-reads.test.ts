import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { noUsage } from '#bff/usage/publisher';
import type { Song } from '#services/catalog/contract';
import { redisRateLimiter } from '../../bff/abuse/rate-limit.ts';
import { createApp } from '../../bff/app.ts';
import { type TestAuth, testAuth } from '../../bff/auth/testing.ts';
import type { Cache } from '../../bff/cache/port.ts';
import { redisCache } from '../../bff/cache/redis-cache.ts';
import { memoryCatalog, memorySingers, quietNights } from '../../bff/clients/testing.ts';
import type { BffConfig } from '../../bff/config.ts';
import { silentLog, testConfig } from '../../bff/testing.ts';

const clients: Redis[] = [];
afterEach(() => {
  for (const redis of clients.splice(0)) redis.disconnect();
});
const redisClient = () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  clients.push(redis);
  return redis;
};
const log = silentLog;

/** The read cache, counting how often the app asked it for anything. */
function countingCache(cache: Cache) {
  let reads = 0;
  const counted: Cache = {
    ...cache,
    getOrLoad: (...args) => {
      reads++;
      return cache.getOrLoad(...args);
    },
  };
  return {
    cache: counted,
    get reads() {
      return reads;
    },
  };
}

interface Setup {
  limits?: Partial<BffConfig>;
  /** How long held tag generations stay usable. */
  generationTtlMs?: number;
  namespace?: string;
  auth?: TestAuth;
  singers?: ReturnType<typeof memorySingers>;
}

async function bff(setup: Setup = {}) {
  const namespace = setup.namespace ?? `t${randomBytes(4).toString('hex')}:`;
  const auth = setup.auth ?? (await testAuth());
  const catalog = memoryCatalog();
  const redis = redisClient();
  const cache = countingCache(
    redisCache(redis, { log, namespace, generationTtlMs: setup.generationTtlMs ?? 60_000 }),
  );
  const app = createApp({
    config: { ...testConfig, ...setup.limits } as BffConfig,
    log,
    probes: {
      postgres: async () => {},
      redis: async () => {},
      elasticsearch: async () => {},
      queues: async () => {},
    },
    auth: auth.deps,
    catalog,
    singers: setup.singers ?? memorySingers(),
    ...quietNights(),
    cache: cache.cache,
    rateLimiter: redisRateLimiter(redis, { log, namespace }),
    usage: noUsage,
  });
  const curator = `Bearer ${await auth.bearerToken({ sub: 'curator-1', groups: ['curator'] })}`;
  const createSong = async (title: string) => {
    const response = await app.request('/api/songs', {
      method: 'POST',
      headers: { authorization: curator, 'content-type': 'application/json' },
      body: JSON.stringify({ title, artist: 'Hot Readers' }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Song;
  };
  return { app, auth, catalog, cache, redis, namespace, curator, createSong };
}

/** Reads until the answer comes from process memory: the app no longer asks the read cache. */
async function untilHot(
  cache: { reads: number },
  read: () => Response | Promise<Response>,
): Promise<Response> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = cache.reads;
    const response = await read();
    if (cache.reads === before) return response;
    await response.arrayBuffer();
  }
  throw new Error('the read never came from process memory');
}

/** Every header but the request's own ids (its request id and its trace's). */
const replayedHeaders = (response: Response) =>
  Object.fromEntries(
    [...response.headers].filter(([name]) => name !== 'x-request-id' && name !== 'x-amzn-trace-id'),
  );

describe('hot reads: repeated reads answered from process memory', () => {
  it('answers a repeated song read from memory, with the body and headers the full path gave', async () => {
    const { app, cache, catalog, createSong } = await bff();
    const song = await createSong('Kept In Memory');
    const full = await app.request(`/api/songs/${song.id}`);
    expect(full.headers.get('x-cache')).toBe('miss');
    const fullBody = await full.text();
    const fromRedis = await app.request(`/api/songs/${song.id}`);
    expect(fromRedis.headers.get('x-cache')).toBe('hit');
    await fromRedis.arrayBuffer();

    const hot = await untilHot(cache, () => app.request(`/api/songs/${song.id}`));
    expect(hot.status).toBe(200);
    expect(await hot.text()).toBe(fullBody);
    expect(replayedHeaders(hot)).toEqual(replayedHeaders(fromRedis));
    expect(hot.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(hot.headers.get('x-request-id')).not.toBe(fromRedis.headers.get('x-request-id'));
    expect(hot.headers.get('x-amzn-trace-id')).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(hot.headers.get('x-amzn-trace-id')).not.toBe(fromRedis.headers.get('x-amzn-trace-id'));
    // A request id the caller sends is kept, as on the full path.
    const traced = await app.request(`/api/songs/${song.id}`, { headers: { 'x-request-id': 'trace-me-1' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-me-1');
    expect(catalog.reads).toBe(1);
  });

  it("shows this BFF's own write on the very next read", async () => {
    const { app, cache, createSong, curator } = await bff();
    const song = await createSong('Before The Edit');
    await untilHot(cache, () => app.request(`/api/songs/${song.id}`));
    for (const title of ['First Edit', 'Second Edit']) {
      const patched = await app.request(`/api/songs/${song.id}`, {
        method: 'PATCH',
        headers: { authorization: curator, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
      expect(patched.status).toBe(200);
      expect(((await (await app.request(`/api/songs/${song.id}`)).json()) as Song).title).toBe(title);
      const hot = await untilHot(cache, () => app.request(`/api/songs/${song.id}`));
      expect(((await hot.json()) as Song).title).toBe(title);
    }
  });

  it("sees another instance's invalidation once its held generations expire", async () => {
    const reader = await bff({ generationTtlMs: 150 });
    const song = await reader.createSong('Changed Elsewhere');
    await untilHot(reader.cache, () => reader.app.request(`/api/songs/${song.id}`));
    // The catalog changes without this instance knowing, and another instance invalidates the song.
    await reader.catalog.update({} as never, song.id, { title: 'New Title' });
    const other = redisCache(redisClient(), { log, namespace: reader.namespace });
    await other.invalidateTags([`song:${song.id}`]);
    const started = Date.now();
    let title = song.title;
    while (title !== 'New Title' && Date.now() - started < 2000) {
      title = ((await (await reader.app.request(`/api/songs/${song.id}`)).json()) as Song).title;
    }
    expect(title).toBe('New Title');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('counts answers from memory against the rate limit, and answers the one over it with 429', async () => {
    const { app, cache, createSong } = await bff({ limits: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 6 } });
    const song = await createSong('Limited');
    const from = { incoming: { socket: { remoteAddress: '203.0.113.77' } } };
    const read = () => app.request(`/api/songs/${song.id}`, {}, from);
    const statuses: number[] = [];
    const before = cache.reads;
    for (let n = 0; n < 8; n++) statuses.push((await read()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(cache.reads - before).toBeLessThan(6);
    const refused = await read();
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('trusts only tokens this process verified: a tampered or expired one gets the full path’s 401', async () => {
    const { app, auth, cache, createSong } = await bff();
    const song = await createSong('Guarded');
    const token = await auth.bearerToken({ sub: 'singer-9', groups: ['singer'] });
    const withToken = (value: string) =>
      app.request(`/api/songs/${song.id}`, { headers: { authorization: `Bearer ${value}` } });
    await untilHot(cache, () => withToken(token));
    const tampered = `${token.slice(0, -4)}AAAA`;
    const refused = await withToken(tampered);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    const expired = await auth.bearerToken({ sub: 'singer-9', exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await withToken(expired)).status).toBe(401);
    expect(
      (await app.request(`/api/songs/${song.id}`, { headers: { authorization: 'Basic eDp5' } })).status,
    ).toBe(401);
  });

  it('leaves cross-origin reads to the full path, which adds the CORS headers', async () => {
    const { app, cache, createSong } = await bff();
    const song = await createSong('Cross Origin');
    await untilHot(cache, () => app.request(`/api/songs/${song.id}`));
    const crossOrigin = await app.request(`/api/songs/${song.id}`, {
      headers: { origin: 'http://app.test' },
    });
    expect(crossOrigin.headers.get('access-control-allow-origin')).toBe('http://app.test');
    const upperCase = await app.request(`/api/songs/${song.id.toUpperCase()}`);
    expect(upperCase.status).toBe(200);
    expect(((await upperCase.json()) as Song).id).toBe(song.id);
  });

  it('keeps /api/me per caller, by Bearer token or session, and drops it on their own write', async () => {
    const { app, auth, cache } = await bff();
    const [firstId, secondId, thirdId] = [randomUUID(), randomUUID(), randomUUID()];
    const first = `Bearer ${await auth.bearerToken({ sub: firstId, groups: ['singer'] })}`;
    const second = `Bearer ${await auth.bearerToken({ sub: secondId, groups: ['singer'] })}`;
    const me = (authorization: string) => app.request('/api/me', { headers: { authorization } });
    const one = (await (await untilHot(cache, () => me(first))).json()) as { id: string };
    const two = (await (await untilHot(cache, () => me(second))).json()) as { id: string };
    expect([one.id, two.id]).toEqual([firstId, secondId]);

    const renamed = await app.request('/api/me', {
      method: 'PATCH',
      headers: { authorization: first, 'content-type': 'application/json' },
      body: JSON.stringify({ stageName: 'Renamed One' }),
    });
    expect(renamed.status).toBe(200);
    const after = (await (await me(first)).json()) as { profile: { data: { stageName: string } } };
    expect(after.profile.data.stageName).toBe('Renamed One');

    const sid = await auth.sessionFor({ id: thirdId, roles: ['singer'], name: 'Three' });
    const bySession = () => app.request('/api/me', { headers: { cookie: `__Host-sid=${sid}` } });
    expect(((await (await untilHot(cache, bySession)).json()) as { id: string }).id).toBe(thirdId);
    await auth.deps.sessions.revoke(sid);
    expect((await bySession()).status).toBe(401);
  });

  it('does not keep an /api/me answer with a part unavailable', async () => {
    const singers = memorySingers();
    singers.favourites = () => Promise.reject(new Error('favourites down'));
    const { app, auth, cache } = await bff({ singers });
    const authorization = `Bearer ${await auth.bearerToken({ sub: randomUUID(), groups: ['singer'] })}`;
    for (let n = 0; n < 4; n++) {
      const before = cache.reads;
      const answer = (await (await app.request('/api/me', { headers: { authorization } })).json()) as {
        favourites: { status: string };
      };
      expect(answer.favourites.status).toBe('unavailable');
      expect(cache.reads).toBeGreaterThan(before);
    }
  });
});
