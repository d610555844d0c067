import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { HeadlessBrowser, issueLocalAccessToken, signInAtLocalProvider } from '#scripts/token';
import { freePort } from '../support/child.ts';

const backToBff = (location: URL) => location.pathname === '/auth/callback';

/** Walks the whole sign-in as a browser would; returns the callback's response (it sets the cookie). */
async function signIn(server: LocalServer, browser: HeadlessBrowser, username: string, returnTo = '/api/me') {
  const start = new URL(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, server.url);
  const callback = await signInAtLocalProvider(browser, start, { username, password: username }, backToBff);
  return browser.request(callback);
}

const SID = '__Host-sid';
const sidOf = (server: LocalServer, browser: HeadlessBrowser) =>
  browser.cookies.get(new URL(server.url), SID);

async function sessionOf(server: LocalServer, browser: HeadlessBrowser) {
  const response = await browser.request(new URL('/auth/session', server.url));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('signing in through the BFF over HTTP on the local stack', () => {
  let server: LocalServer;
  let degraded: LocalServer;
  let briefSessions: LocalServer;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    // The same system with Redis pointing at a port where nothing listens.
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    degraded = await startLocalServer({ ...inject('localEnv'), REDIS_URL: deadRedis }, await freePort());
    briefSessions = await startLocalServer(
      { ...inject('localEnv'), SESSION_IDLE_SECONDS: '1' },
      await freePort(),
    );
  });

  afterAll(async () => {
    await Promise.all([server?.close(), degraded?.close(), briefSessions?.close()]);
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const browser = new HeadlessBrowser();
    const response = await browser.request(new URL('/auth/login', server.url));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.href.startsWith(`${server.oidcIssuer}/auth?`)).toBe(true);
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('redirect_uri')).toBe(`${server.url}/auth/callback`);
  });

  it('signs singer1 in with the code flow and sets an HttpOnly, Secure, SameSite=Lax __Host- cookie', async () => {
    const browser = new HeadlessBrowser();
    const callback = await signIn(server, browser, 'singer1', '/api/me');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${server.url}/api/me`);
    const cookie = callback.headers.getSetCookie().find((line) => line.startsWith(`${SID}=`));
    // Secure even over the local stack's http://127.0.0.1: browsers keep it on loopback hosts.
    expect(cookie).toMatch(
      /^__Host-sid=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('shows the signed-in user with the roles from the provider groups at /auth/session and /api/me', async () => {
    const browser = new HeadlessBrowser();
    await signIn(server, browser, 'kj');
    const kj = DEMO_USERS.find((user) => user.username === 'kj');
    const expected = { id: kj?.sub, name: 'Demo KJ', email: 'kj@karaoke.test', roles: ['kj'] };
    expect(await sessionOf(server, browser)).toEqual({
      status: 200,
      body: { authenticated: true, user: expected },
    });
    const me = await browser.request(new URL('/api/me', server.url));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ ...expected, profile: { status: 'ok', data: { id: kj?.sub } } });
  });

  it('shows an anonymous caller as {authenticated:false} with 401', async () => {
    expect(await sessionOf(server, new HeadlessBrowser())).toEqual({
      status: 401,
      body: { authenticated: false },
    });
  });

  it('refuses a wrong password at the provider and issues no code', async () => {
    const browser = new HeadlessBrowser();
    await expect(
      signInAtLocalProvider(
        browser,
        new URL('/auth/login', server.url),
        { username: 'singer2', password: 'not-the-password' },
        backToBff,
      ),
    ).rejects.toThrow(/unknown user or wrong password/);
  });

  it('revokes the session at logout: the old cookie replayed afterwards is anonymous', async () => {
    const browser = new HeadlessBrowser();
    await signIn(server, browser, 'singer2');
    const oldSid = sidOf(server, browser) ?? '';
    const logout = await browser.request(new URL('/auth/logout', server.url), {
      method: 'POST',
      headers: { origin: server.url },
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.getSetCookie().find((line) => line.startsWith(`${SID}=`))).toMatch(
      /^__Host-sid=; Max-Age=0/,
    );
    expect(sidOf(server, browser)).toBeUndefined();

    const replay = new HeadlessBrowser();
    replay.cookies.set(new URL(server.url), SID, oldSid);
    expect((await sessionOf(server, replay)).status).toBe(401);
    expect((await replay.request(new URL('/api/me', server.url))).status).toBe(401);
  });

  it('issues a new session id at sign-in, never the one planted in the browser before (fixation)', async () => {
    const attacker = new HeadlessBrowser();
    await signIn(server, attacker, 'singer3');
    const planted = sidOf(server, attacker) ?? '';

    const victim = new HeadlessBrowser();
    victim.cookies.set(new URL(server.url), SID, planted);
    await signIn(server, victim, 'singer4');
    const issued = sidOf(server, victim);
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    expect(await sessionOf(server, victim)).toMatchObject({ body: { user: { name: 'Singer 4' } } });
    // The planted session is gone too: whoever knew its id holds nothing.
    expect((await sessionOf(server, attacker)).status).toBe(401);
  });

  it.each([
    [
      'one character changed',
      (sid: string) => `${sid.slice(0, 10)}${sid[10] === 'A' ? 'B' : 'A'}${sid.slice(11)}`,
    ],
    ['truncated', (sid: string) => sid.slice(0, 20)],
    ['something else entirely', () => 'admin'],
  ])('treats a tampered session cookie (%s) as anonymous', async (_case, tamper) => {
    const browser = new HeadlessBrowser();
    await signIn(server, browser, 'singer5');
    const forged = new HeadlessBrowser();
    forged.cookies.set(new URL(server.url), SID, tamper(sidOf(server, browser) ?? ''));
    expect((await forged.request(new URL('/api/me', server.url))).status).toBe(401);
  });

  it.each([
    ['without Origin or Referer', {}],
    ['from a foreign Origin', { origin: 'https://evil.example' }],
  ])(
    'refuses a cookie POST %s with 403 and keeps the session',
    async (_case, headers: Record<string, string>) => {
      const browser = new HeadlessBrowser();
      await signIn(server, browser, 'singer6');
      const response = await browser.request(new URL('/auth/logout', server.url), {
        method: 'POST',
        headers,
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect((await sessionOf(server, browser)).status).toBe(200);
    },
  );

  it('ends a session left idle past SESSION_IDLE_SECONDS', async () => {
    const browser = new HeadlessBrowser();
    await signIn(briefSessions, browser, 'singer7');
    expect((await sessionOf(briefSessions, browser)).status).toBe(200);
    await sleep(1500);
    expect((await sessionOf(briefSessions, browser)).status).toBe(401);
  });

  describe('with Redis down', () => {
    /** What the degraded server reports about its Redis, checked live: the outage these tests need. */
    const redisAsSeenBy = async (target: LocalServer) => {
      const health = await fetch(`${target.url}/api/health`);
      return ((await health.json()) as { deps: { redis: string } }).deps.redis;
    };

    it('answers cookie requests that need the user with 503 and Retry-After, and serves the rest', async () => {
      expect(await redisAsSeenBy(degraded)).toBe('down');
      const browser = new HeadlessBrowser();
      browser.cookies.set(new URL(degraded.url), SID, 'A'.repeat(43));
      for (const path of ['/auth/session', '/api/me']) {
        const response = await browser.request(new URL(path, degraded.url));
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await browser.request(new URL('/api/openapi.json', degraded.url))).status).toBe(200);
    });

    it('keeps Bearer tokens working', async () => {
      expect(await redisAsSeenBy(degraded)).toBe('down');
      const token = await issueLocalAccessToken(degraded.oidcIssuer, 'curator');
      const response = await fetch(`${degraded.url}/api/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ roles: ['curator'] });
    });

    it('answers a sign-in attempt with 503, not 500', async () => {
      const response = await fetch(`${degraded.url}/auth/login`, { redirect: 'manual' });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    });
  });
});
