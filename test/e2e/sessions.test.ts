import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { HeadlessBrowser, issueLocalAccessToken, signInAtLocalProvider } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { type HangingRedisProxy, hangingRedisProxy } from '../support/redis-proxy.ts';

const SID = '__Host-sid';
const backToBff = (location: URL) => location.pathname === '/auth/callback';
const subOf = (username: string) => DEMO_USERS.find((user) => user.username === username)?.sub ?? '';

async function signIn(server: LocalServer, username: string, browser = new HeadlessBrowser()) {
  const start = new URL('/auth/login', server.url);
  const callback = await signInAtLocalProvider(browser, start, { username, password: username }, backToBff);
  const response = await browser.request(callback);
  expect(response.status).toBe(302);
  return browser;
}

const get = (server: LocalServer, browser: HeadlessBrowser, path: string) =>
  browser.request(new URL(path, server.url));

async function rolesOf(server: LocalServer, browser: HeadlessBrowser) {
  const response = await get(server, browser, '/auth/session');
  if (response.status !== 200) return response.status;
  return ((await response.json()) as { user: { roles: string[] } }).user.roles;
}

const logout = (server: LocalServer, browser: HeadlessBrowser, query = '') =>
  browser.request(new URL(`/auth/logout${query}`, server.url), {
    method: 'POST',
    headers: { origin: server.url },
  });

/** What a browser does with the provider's sign-out page: submits its form (it submits itself in a browser). */
async function confirmProviderSignOut(browser: HeadlessBrowser, endSession: URL) {
  const page = await browser.request(endSession);
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error(`expected the provider's sign-out form, got: ${html.slice(0, 200)}`);
  return browser.request(new URL(action, endSession), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
}

describe('browser sessions against the local stack', () => {
  let server: LocalServer;
  let quickRoles: LocalServer;
  let proxy: HangingRedisProxy;
  let hanging: LocalServer;

  beforeAll(async () => {
    const env = inject('localEnv');
    proxy = await hangingRedisProxy(env.REDIS_URL ?? '');
    [server, quickRoles, hanging] = await Promise.all([
      startLocalServer(env, await freePort()),
      startLocalServer({ ...env, SESSION_ROLES_MAX_AGE_SECONDS: '1' }, await freePort()),
      startLocalServer({ ...env, REDIS_URL: proxy.url, SESSION_STORE_TIMEOUT_MS: '300' }, await freePort()),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), quickRoles?.close(), hanging?.close()]);
    await proxy?.close();
  });

  describe('signing out', () => {
    it("ends the provider's session too: the next sign-in asks for the password again", async () => {
      const browser = await signIn(server, 'singer1');
      const response = await logout(server, browser);
      expect(response.status).toBe(303);
      const endSession = new URL(response.headers.get('location') ?? '');
      expect(endSession.href.startsWith(`${server.oidcIssuer}/session/end?`)).toBe(true);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
      expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/);

      const confirmed = await confirmProviderSignOut(browser, endSession);
      expect(confirmed.status).toBe(303);
      expect(confirmed.headers.get('location')).toBe(`${server.url}/`);

      const again = await browser.visit(new URL('/auth/login', server.url), backToBff);
      expect(again.location).toBeUndefined();
      expect(await again.response.text()).toMatch(/<form method="post" action="[^"]+\/login"/);
    });

    it('without the provider sign-out, the provider would have let the browser straight back in', async () => {
      const browser = await signIn(server, 'singer2');
      expect((await logout(server, browser)).status).toBe(303);
      const again = await browser.visit(new URL('/auth/login', server.url), backToBff);
      expect(again.location?.pathname).toBe('/auth/callback');
    });

    it("everywhere: ends the user's sessions on every device at once, and nobody else's", async () => {
      const phone = await signIn(server, 'singer9');
      const laptop = await signIn(server, 'singer9');
      const neighbour = await signIn(server, 'singer4');
      const response = await logout(server, phone, '?everywhere=1');
      expect(response.status).toBe(303);
      expect((await get(server, laptop, '/api/me')).status).toBe(401);
      expect((await get(server, phone, '/auth/session')).status).toBe(401);
      expect((await get(server, neighbour, '/api/me')).status).toBe(200);
    });
  });

  describe("an admin ending a user's sessions", () => {
    it('makes every cookie of the user get 401 from the next request on', async () => {
      // singer9 signs in nowhere else: ending its sessions ends no other test's.
      const phone = await signIn(server, 'singer9');
      const laptop = await signIn(server, 'singer9');
      expect((await get(server, laptop, '/api/me')).status).toBe(200);
      const admin = await issueLocalAccessToken(server.oidcIssuer, 'admin');
      const response = await fetch(`${server.url}/api/admin/users/${subOf('singer9')}/sessions`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ revoked: 2 });
      expect((await get(server, phone, '/api/me')).status).toBe(401);
      expect((await get(server, laptop, '/api/me')).status).toBe(401);
    });

    it('is refused to anyone but an admin, and ends nothing', async () => {
      const victim = await signIn(server, 'singer6');
      for (const username of ['singer7', 'kj', 'curator']) {
        const token = await issueLocalAccessToken(server.oidcIssuer, username);
        const response = await fetch(`${server.url}/api/admin/users/${subOf('singer6')}/sessions`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(403);
      }
      expect((await get(server, victim, '/api/me')).status).toBe(200);
    });
  });

  describe('hostile cookies', () => {
    it.each([
      ['oversized', 'A'.repeat(4000)],
      ['of the wrong shape', 'admin'],
      ['with cookie syntax inside', `${'A'.repeat(43)}%3B%20Path%3D%2F`],
    ])('treats a session cookie %s as anonymous', async (_case, value) => {
      const browser = new HeadlessBrowser();
      browser.cookies.set(new URL(server.url), SID, value);
      expect((await get(server, browser, '/api/me')).status).toBe(401);
      expect((await get(server, browser, '/auth/session')).status).toBe(401);
    });

    it("gets nothing from another user's revoked session id", async () => {
      const owner = await signIn(server, 'singer8');
      const stolen = owner.cookies.get(new URL(server.url), SID) ?? '';
      expect((await logout(server, owner)).status).toBe(303);
      const thief = new HeadlessBrowser();
      thief.cookies.set(new URL(server.url), SID, stolen);
      expect((await get(server, thief, '/api/me')).status).toBe(401);
      expect((await logout(server, thief, '?everywhere=1')).status).toBe(401);
    });
  });

  describe('roles read again from the provider (every second on this server)', () => {
    it('grants a role the provider gave since sign-in, and takes it away again', async () => {
      const browser = await signIn(quickRoles, 'singer1');
      expect(await rolesOf(quickRoles, browser)).toEqual(['singer']);
      quickRoles.localProvider?.setGroups('singer1', ['singer', 'kj']);
      await sleep(1100);
      expect(await rolesOf(quickRoles, browser)).toEqual(['singer', 'kj']);
      quickRoles.localProvider?.setGroups('singer1', ['singer']);
      await sleep(1100);
      expect(await rolesOf(quickRoles, browser)).toEqual(['singer']);
    });

    it('ends the session when the user was signed out everywhere at the provider', async () => {
      const browser = await signIn(quickRoles, 'singer2');
      expect((await get(quickRoles, browser, '/api/me')).status).toBe(200);
      quickRoles.localProvider?.signOutEverywhere('singer2');
      await sleep(1100);
      expect((await get(quickRoles, browser, '/api/me')).status).toBe(401);
      expect((await get(quickRoles, browser, '/auth/session')).status).toBe(401);
    });
  });

  describe('with a Redis that stops answering', () => {
    it('answers cookie requests 503 with Retry-After instead of stalling, and keeps Bearer tokens working', async () => {
      const browser = await signIn(hanging, 'kj');
      expect((await get(hanging, browser, '/api/me')).status).toBe(200);
      const token = await issueLocalAccessToken(hanging.oidcIssuer, 'curator');
      proxy.hang();
      for (const path of ['/api/me', '/auth/session', '/api/me']) {
        const response = await get(hanging, browser, path);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const bearer = await fetch(`${hanging.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(200);
      expect(await bearer.json()).toMatchObject({ roles: ['curator'] });
    });
  });
});
