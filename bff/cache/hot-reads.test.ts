import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { memoryRateLimiter } from '../abuse/rate-limit.ts';
import { type HotRead, hotReads } from './hot-reads.ts';

const route: HotRead = {
  path: /^\/things\/(\d+)$/,
  perCaller: false,
  tags: ([id]) => [`thing:${id}`],
  ttlSeconds: 60,
};

function setup(options: { maxBytes?: number; generations?: string[] | undefined } = {}) {
  let now = 1_000_000;
  let calls = 0;
  let generations = 'generations' in options ? options.generations : ['1'];
  const hot = hotReads(
    {
      cache: { keptGenerations: () => generations },
      bearer: { known: () => undefined },
      sessions: { read: async () => null },
      rateLimiter: memoryRateLimiter(),
      config: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 1000, RATE_LIMIT_USER_PER_MINUTE: 1000 },
      log: createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' }),
    },
    [route],
    { ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}), now: () => now },
  );
  const app = (body: string, init: ResponseInit = {}) => {
    calls++;
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' }, ...init });
  };
  const get = (path: string, answer = '"x"', init: RequestInit = {}, response: ResponseInit = {}) =>
    hot.fetch(new Request(`http://bff.test${path}`, init), undefined, () => app(answer, response));
  return {
    hot,
    get,
    get calls() {
      return calls;
    },
    later: (ms: number) => {
      now += ms;
    },
    /** What the read cache holds from now on, as after an invalidation (or expiry: undefined). */
    holds: (held: string[] | undefined) => {
      generations = held;
    },
  };
}

describe('hot reads', () => {
  it('keeps an answer and serves it again without calling the app', async () => {
    const t = setup();
    expect(await (await t.get('/things/1', '"one"')).text()).toBe('"one"');
    const again = await t.get('/things/1', '"changed"');
    expect(await again.text()).toBe('"one"');
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(t.calls).toBe(1);
  });

  it('answers a kept read at once, not as a promise, so the server can write it synchronously', async () => {
    const t = setup();
    const first = t.get('/things/1');
    expect(first).toBeInstanceOf(Promise);
    await first;
    const again = t.get('/things/1');
    expect(again).toBeInstanceOf(Response);
    expect(await (again as Response).text()).toBe('"x"');
  });

  it('calls the app again once the generations it was filed under change, then keeps the new answer', async () => {
    const t = setup();
    await t.get('/things/1', '"old"');
    t.holds(['2']);
    expect(await (await t.get('/things/1', '"new"')).text()).toBe('"new"');
    expect(await (await t.get('/things/1', '"newer"')).text()).toBe('"new"');
    t.holds(undefined);
    await t.get('/things/1');
    t.holds(['1']);
    expect(await (await t.get('/things/1', '"first again"')).text()).toBe('"first again"');
    expect(t.calls).toBe(4);
  });

  it('calls the app for other paths, methods, and when the generations are not held', async () => {
    const t = setup();
    await t.get('/things/1');
    await t.get('/things/1?page=2');
    expect(t.calls).toBe(1);
    await t.get('/other/1');
    await t.get('/things/1', '"x"', { method: 'HEAD' });
    await t.get('/things/%31');
    expect(t.calls).toBe(4);
    const cold = setup({ generations: undefined });
    await cold.get('/things/1');
    await cold.get('/things/1');
    expect(cold.calls).toBe(2);
  });

  it('keeps no error, no answer that sets a cookie, and nothing past its lifetime', async () => {
    const t = setup();
    await t.get('/things/1', '{}', {}, { status: 404 });
    await t.get('/things/1', '{}', {}, { status: 404 });
    expect(t.calls).toBe(2);
    await t.get('/things/2', '{}', {}, { headers: { 'set-cookie': 'sid=abc' } });
    await t.get('/things/2');
    expect(t.calls).toBe(4);
    await t.get('/things/2');
    expect(t.calls).toBe(4);
    t.later(60_001);
    await t.get('/things/2');
    expect(t.calls).toBe(5);
  });

  it('keeps at most maxBytes of answers, dropping the oldest first', async () => {
    const t = setup({ maxBytes: 250 });
    const body = JSON.stringify('x'.repeat(98));
    for (const id of [1, 2, 3]) await t.get(`/things/${id}`, body);
    expect(t.hot.stats()).toMatchObject({ kept: 2, keptBytes: 200 });
    await t.get('/things/3', body);
    await t.get('/things/2', body);
    expect(t.calls).toBe(3);
    await t.get('/things/1', body);
    expect(t.calls).toBe(4);
  });
});
