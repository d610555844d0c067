import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AuthVariables } from '../auth/middleware.ts';
import { type HotRead, keptAnswers } from './kept-answers.ts';

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
  const kept = keptAnswers({ keptGenerations: () => generations }, [route], {
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
    now: () => now,
  });
  // What the route answers next: the test says it with each request.
  let answer = { body: '"x"', init: {} as ResponseInit };
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use('*', async (c, next) => {
    c.set('principal', null);
    await next();
  });
  app.use('*', kept.middleware);
  app.all('*', () => {
    calls++;
    return new Response(answer.body, {
      status: 200,
      headers: { 'content-type': 'application/json' },
      ...answer.init,
    });
  });
  const get = (path: string, body = '"x"', init: RequestInit = {}, response: ResponseInit = {}) => {
    answer = { body, init: response };
    return app.request(`http://bff.test${path}`, init);
  };
  return {
    hot: kept,
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
