import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '#lib/http';
import type { Principal } from '../auth/principal.ts';
import { addressBucket, memoryRateLimiter, type RateLimiter, rateLimit } from './rate-limit.ts';

const config = { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 2, RATE_LIMIT_USER_PER_MINUTE: 3 };

function appWith(rateLimiter: RateLimiter) {
  const app = new Hono<{ Variables: { principal: Principal | null } }>();
  app.use('*', async (c, next) => {
    const user = c.req.header('x-test-user');
    c.set('principal', user ? { id: user, roles: ['singer'], via: 'bearer' } : null);
    await next();
  });
  app.use('*', rateLimit({ rateLimiter, config }));
  app.get('/x', (c) => c.text('ok'));
  app.onError(problemResponse);
  return app;
}

const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
/** Mid-window: with the real clock, a minute ending during a test would reset what it counts. */
const midWindow = () => 60_000 * 20_000_000 + 30_000;

describe('rate limits', () => {
  it('answers 429 with Retry-After once an anonymous address used its minute', async () => {
    let now = 60_000 * 20_000_000 + 15_000; // 15 s into a minute window
    const app = appWith(memoryRateLimiter(() => now));
    for (let n = 0; n < 2; n++) expect((await app.request('/x', {}, from('203.0.113.7'))).status).toBe(200);
    const limited = await app.request('/x', {}, from('203.0.113.7'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBe(45);
    expect(await limited.json()).toMatchObject({ status: 429, retryAfterSeconds: 45 });
    now += 45_000;
    expect((await app.request('/x', {}, from('203.0.113.7'))).status).toBe(200);
  });

  it('counts addresses apart, and signed-in users by their id with their own limit', async () => {
    const app = appWith(memoryRateLimiter(midWindow));
    for (let n = 0; n < 3; n++) await app.request('/x', {}, from('203.0.113.7'));
    expect((await app.request('/x', {}, from('203.0.113.8'))).status).toBe(200);
    const asUser = (address: string) =>
      app.request('/x', { headers: { 'x-test-user': 'u1' } }, from(address));
    expect((await asUser('203.0.113.7')).status).toBe(200);
    expect((await asUser('198.51.100.1')).status).toBe(200);
    expect((await asUser('198.51.100.2')).status).toBe(200);
    expect((await asUser('198.51.100.3')).status).toBe(429);
  });

  it('ignores X-Forwarded-For, which any client can set', async () => {
    const app = appWith(memoryRateLimiter(midWindow));
    const spoofed = (n: number) =>
      app.request('/x', { headers: { 'x-forwarded-for': `10.0.0.${n}` } }, from('203.0.113.9'));
    expect([(await spoofed(1)).status, (await spoofed(2)).status, (await spoofed(3)).status]).toEqual([
      200, 200, 429,
    ]);
  });
});

describe('address buckets', () => {
  it('keep IPv4 addresses whole and unwrap IPv4-mapped IPv6', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('group IPv6 addresses by /64, however they are written', () => {
    expect(addressBucket('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(addressBucket('2001:0db8:00aa:00bb::9')).toBe('2001:db8:aa:bb::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
