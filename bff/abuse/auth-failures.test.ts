import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '#lib/http';
import { authFailureLimit } from './auth-failures.ts';
import { memoryRateLimiter } from './rate-limit.ts';

function appWith(limit: number) {
  let clock = 1_000_000;
  let checked = 0;
  const now = () => clock;
  const app = new Hono();
  app.use(
    '*',
    authFailureLimit({
      rateLimiter: memoryRateLimiter(now),
      config: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: limit },
      now,
    }),
  );
  app.get('/api/things', (c) => {
    checked++;
    return c.req.header('authorization') === 'Bearer good' ? c.json({ ok: true }) : c.json({}, 401);
  });
  app.onError(problemResponse);
  const from = (address: string, authorization = 'Bearer forged') =>
    app.request(
      '/api/things',
      { headers: { authorization } },
      { incoming: { socket: { remoteAddress: address } } },
    );
  return {
    from,
    later: (ms: number) => {
      clock += ms;
    },
    get checked() {
      return checked;
    },
  };
}

describe('the failed-authentication limit per address', () => {
  it('refuses an address with 429 once it used up its failures, without checking its credentials', async () => {
    const t = appWith(30);
    const statuses: number[] = [];
    for (let n = 0; n < 100; n++) statuses.push((await t.from('203.0.113.7')).status);
    expect(statuses.slice(0, 31)).toEqual(Array(31).fill(401));
    expect(statuses.slice(31)).toEqual(Array(69).fill(429));
    expect(t.checked).toBe(31);
    const refused = await t.from('203.0.113.7', 'Bearer good');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('leaves other addresses and successful requests alone, and lets the address in again next window', async () => {
    const t = appWith(3);
    for (let n = 0; n < 10; n++) expect((await t.from('203.0.113.8', 'Bearer good')).status).toBe(200);
    for (let n = 0; n < 5; n++) await t.from('203.0.113.9');
    expect((await t.from('203.0.113.9', 'Bearer good')).status).toBe(429);
    expect((await t.from('203.0.113.8', 'Bearer good')).status).toBe(200);
    t.later(61_000);
    expect((await t.from('203.0.113.9', 'Bearer good')).status).toBe(200);
  });
});
