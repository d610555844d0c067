import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiSecurityHeaders } from './abuse/security-headers.ts';
import { createApp } from './app.ts';
import { memoryKeyValueStore } from './auth/kv.ts';
import { requireRole } from './auth/middleware.ts';
import { type TestAuth, testAuth } from './auth/testing.ts';
import type { BffConfig } from './config.ts';
import type { Probes } from './health/probes.ts';
import { DOCS_CSP } from './routes/docs.ts';
import { memoryBffDeps, probesUp, testConfig } from './testing.ts';

interface AppOptions {
  probes?: Partial<Probes>;
  config?: Partial<BffConfig>;
  auth?: TestAuth;
}

async function appWith(options: AppOptions = {}) {
  const auth = options.auth ?? (await testAuth());
  const app = createApp(
    memoryBffDeps(auth.deps, {
      config: { ...testConfig, ...options.config } as BffConfig,
      probes: { ...probesUp, ...options.probes },
    }),
  );
  return { app, auth };
}

const singer = { id: 'singer-1', name: 'Singer 1', email: 's1@karaoke.test', roles: ['singer' as const] };
const SID = '__Host-sid';
const LOGIN = '__Secure-sid_login';
const cookieOf = (response: Response, name: string) =>
  response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
const cookieValue = (setCookie: string | undefined) => setCookie?.split(';')[0]?.split('=')[1];

/** Runs /auth/login and /auth/callback in-process; returns the callback's response. */
async function signIn(app: Awaited<ReturnType<typeof appWith>>['app'], extraCookie = '', returnTo = '/') {
  const login = await app.request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const loginCookie = (cookieOf(login, LOGIN) ?? '').split(';')[0];
  return app.request(`/auth/callback?code=abc&state=${encodeURIComponent(state)}`, {
    headers: { cookie: [loginCookie, extraCookie].filter(Boolean).join('; ') },
  });
}

describe('BFF app', () => {
  it('reports health with every dependency up', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      status: 'ok',
      deps: { postgres: 'up', redis: 'up', elasticsearch: 'up', queues: 'up' },
    });
  });

  it('probes once per HEALTH_CACHE_MS for anyone but an admin, who always gets a live check', async () => {
    let probed = 0;
    const { app, auth } = await appWith({
      config: { HEALTH_CACHE_MS: 60_000 },
      probes: {
        postgres: async () => {
          probed++;
        },
      },
    });
    for (let n = 0; n < 20; n++) expect((await app.request('/api/health')).status).toBe(200);
    expect(probed).toBe(1);
    const singerToken = await auth.bearerToken({ groups: ['singer'] });
    await app.request('/api/health', { headers: { authorization: `Bearer ${singerToken}` } });
    expect(probed).toBe(1);
    const adminToken = await auth.bearerToken({ groups: ['admin'] });
    await app.request('/api/health', { headers: { authorization: `Bearer ${adminToken}` } });
    await app.request('/api/health', { headers: { authorization: `Bearer ${adminToken}` } });
    expect(probed).toBe(3);
  });

  it('rate-limits 100 bad tokens from one address: past its failures it answers 429 unchecked', async () => {
    const { app } = await appWith({ config: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: 30 } });
    const statuses = new Map<number, number>();
    for (let n = 0; n < 100; n++) {
      const { status } = await app.request('/api/me', {
        headers: { authorization: `Bearer forged.${n}.token` },
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 31, 429: 69 });
  });

  it('answers 503 naming the dependency that is down', async () => {
    const { app } = await appWith({
      probes: {
        elasticsearch: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });
    const response = await app.request('/api/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'degraded', deps: { elasticsearch: 'down' } });
  });

  it('answers an unknown route with a problem+json 404 that carries the request id', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/nothing-here', { headers: { 'x-request-id': 'req-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(await response.json()).toMatchObject({
      status: 404,
      requestId: 'req-123',
      instance: '/api/nothing-here',
    });
  });

  it('replaces a hostile request id with a fresh one', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/health', {
      headers: { 'x-request-id': '<script>alert(1)</script>' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an oversized body with 413 before any route reads it', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/health', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024) },
      body: 'x'.repeat(1024 * 1024),
    });
    expect(response.status).toBe(413);
    // The rest of the refused body may still arrive: the connection must not carry another request.
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({
      status: 413,
      detail: expect.stringMatching(/limited to 256 KiB/),
    });
  });

  it('hides the message of an unexpected failure', async () => {
    const { app } = await appWith();
    app.get('/api/explode', () => {
      throw new Error('password=hunter2 at db.internal:5432');
    });
    const response = await app.request('/api/explode');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('db.internal');
  });

  it('describes itself in OpenAPI 3.1, sign-in and both ways to authenticate included', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/openapi.json');
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/health',
        '/api/me',
        '/auth/login',
        '/auth/callback',
        '/auth/logout',
        '/auth/session',
      ]),
    );
    expect(document.paths['/api/me']?.get?.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(document.components.securitySchemes).toMatchObject({
      session: { type: 'apiKey', in: 'cookie', name: '__Host-sid' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
  });

  it('describes a field that may be null so that null satisfies it (anyOf with null, never allOf)', async () => {
    const { app } = await appWith();
    const document: unknown = await (await app.request('/api/openapi.json')).json();
    const nullInAllOf: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        for (const [index, item] of node.entries()) walk(item, `${path}[${index}]`);
      } else if (node !== null && typeof node === 'object') {
        const allOf = (node as { allOf?: Array<{ type?: unknown }> }).allOf;
        if (allOf?.some((part) => [part.type].flat().includes('null'))) nullInAllOf.push(path);
        for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
      }
    };
    walk(document, '');
    expect(nullInAllOf).toEqual([]);
    const rotation = (document as { components: { schemas: Record<string, { properties: object }> } })
      .components.schemas.Rotation;
    expect(rotation?.properties).toMatchObject({
      nowPerforming: { anyOf: [{ $ref: '#/components/schemas/Turn' }, { type: 'null' }] },
    });
  });

  it('serves Swagger UI for the OpenAPI description at /api/docs', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    // Every script and style of the page comes from this origin, none from a CDN.
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1] as string)
      .filter((source) => source !== 'data:,');
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !source.startsWith('/api/docs/assets/'))).toEqual([]);
    const init = await app.request('/api/docs/assets/init.js');
    expect(await init.text()).toContain('/api/openapi.json');
  });

  it("serves the docs viewer's files from the pinned package, and nothing else from its folder", async () => {
    const { app } = await appWith();
    const script = await app.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('SwaggerUIBundle');
    const styles = await app.request('/api/docs/assets/swagger-ui.css');
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const name of ['package.json', 'index.html', '..%2F..%2Fpackage.json', 'swagger-ui-bundle.js.map']) {
      expect((await app.request(`/api/docs/assets/${name}`)).status, name).toBe(404);
    }
  });

  it("sends an API's security headers on JSON answers, and a page's on pages", async () => {
    const { app } = await appWith();
    for (const path of ['/api/songs/search?q=a', '/api/nowhere']) {
      const answer = await app.request(path);
      for (const [name, value] of Object.entries(apiSecurityHeaders(false))) {
        expect(answer.headers.get(name), `${name} on ${path}`).toBe(value);
      }
      expect(answer.headers.get('referrer-policy')).toBeNull();
      // Never over plain http (RFC 6797).
      expect(answer.headers.get('strict-transport-security')).toBeNull();
    }
    const page = await app.request('/api/docs');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    // A page's own form posts carry its Origin (CSRF needs it); other sites learn no path.
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    // Swagger UI's own scripts and styles load, from this origin only.
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect((await app.request('/auth/login')).headers.get('referrer-policy')).toBe('same-origin');
    // A pitch link's path is its secret: never sent on.
    expect((await app.request('/p/not-a-token')).headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('strict-transport-security')).toBeNull();
  });

  it('asks browsers for https only when served over https', async () => {
    const { app } = await appWith({ config: { PUBLIC_BASE_URL: 'https://api.karaoke.test' } });
    for (const path of ['/api/health', '/api/docs', '/auth/login']) {
      expect((await app.request(path)).headers.get('strict-transport-security'), path).toBe(
        'max-age=15552000; includeSubDomains',
      );
    }
  });

  it('lets a configured front-end origin call with credentials, and no other', async () => {
    const { app } = await appWith();
    const preflight = (origin: string) =>
      app.request('/api/me', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('http://app.test');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a cross-origin read with CORS headers, and a read without Origin with Vary only', async () => {
    const { app } = await appWith();
    const crossOrigin = await app.request('/api/health', { headers: { origin: 'http://app.test' } });
    expect(crossOrigin.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(crossOrigin.headers.get('access-control-allow-credentials')).toBe('true');
    expect(crossOrigin.headers.get('vary')).toContain('Origin');
    const foreign = await app.request('/api/health', { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await app.request('/api/health');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('access-control-allow-credentials')).toBeNull();
    // A shared cache must not hand this answer to a cross-origin request.
    expect(plain.headers.get('vary')).toContain('Origin');
    expect(plain.headers.get('x-request-id')).toMatch(/\S/);
  });
});

describe('who is calling', () => {
  it('GET /api/me is a 401 problem with a Bearer challenge for an anonymous caller', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="karaoke-api"');
  });

  it('GET /api/me returns the profile of a Bearer caller', async () => {
    const { app, auth } = await appWith();
    const token = await auth.bearerToken({ sub: 'kj-1', groups: ['kj'], name: 'Demo KJ' });
    const response = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'kj-1',
      name: 'Demo KJ',
      email: null,
      roles: ['kj'],
      profile: { status: 'ok', data: { id: 'kj-1', stageName: 'Demo KJ' } },
    });
  });

  it('refuses a bad Bearer token with 401 invalid_token, even on a public route', async () => {
    const { app, auth } = await appWith();
    const expired = await auth.bearerToken({ exp: Math.floor(Date.now() / 1000) - 60 });
    const response = await app.request('/api/health', { headers: { authorization: `Bearer ${expired}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ detail: 'The access token has expired.' });
  });

  it('refuses an Authorization header that is not a Bearer token', async () => {
    const { app } = await appWith();
    const response = await app.request('/api/me', { headers: { authorization: 'Basic a2o6a2o=' } });
    expect(response.status).toBe(401);
  });

  it('checks roles: 401 when anonymous, 403 without the role, admin passes', async () => {
    const { app, auth } = await appWith();
    app.get('/api/rotation-controls', requireRole('kj'), (c) => c.json({ ok: true }));
    const as = async (groups?: string[]) => {
      const headers: Record<string, string> = groups
        ? { authorization: `Bearer ${await auth.bearerToken({ groups })}` }
        : {};
      return (await app.request('/api/rotation-controls', { headers })).status;
    };
    expect(await as()).toBe(401);
    expect(await as(['singer'])).toBe(403);
    expect(await as(['kj'])).toBe(200);
    expect(await as(['admin'])).toBe(200);
  });

  it('lets anyone read songs and only curators and admins write them', async () => {
    const { app, auth } = await appWith();
    const call = async (method: string, path: string, groups?: string[], body?: unknown) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (groups) headers.authorization = `Bearer ${await auth.bearerToken({ groups })}`;
      const init = { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
      return app.request(path, init);
    };
    const created = await call('POST', '/api/songs', ['curator'], { title: 'Matrix', artist: 'Roles' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const matrix: Array<[string, string, unknown, Array<[string[] | undefined, number]>]> = [
      [
        'GET',
        '/api/songs/search?q=matrix',
        undefined,
        [
          [undefined, 200],
          [['singer'], 200],
          [['kj'], 200],
        ],
      ],
      [
        'GET',
        `/api/songs/${id}`,
        undefined,
        [
          [undefined, 200],
          [['singer'], 200],
        ],
      ],
      [
        'POST',
        '/api/songs',
        { title: 'New', artist: 'One' },
        [
          [undefined, 401],
          [['singer'], 403],
          [['kj'], 403],
          [['curator'], 201],
          [['admin'], 201],
        ],
      ],
      [
        'PATCH',
        `/api/songs/${id}`,
        { bpm: 120 },
        [
          [undefined, 401],
          [['singer'], 403],
          [['kj'], 403],
          [['curator'], 200],
          [['admin'], 200],
        ],
      ],
      [
        'DELETE',
        `/api/songs/${id}`,
        undefined,
        [
          [undefined, 401],
          [['singer'], 403],
          [['kj'], 403],
          [['curator'], 204],
        ],
      ],
    ];
    for (const [method, path, body, expectations] of matrix) {
      for (const [groups, status] of expectations) {
        const title =
          body && typeof body === 'object' && 'title' in body ? { ...body, title: `${randomUUID()}` } : body;
        expect(
          (await call(method, path, groups, title)).status,
          `${method} ${path} as ${groups ?? 'anonymous'}`,
        ).toBe(status);
      }
    }
  });

  it('validates song writes before they reach the catalog', async () => {
    const { app, auth } = await appWith();
    const response = await app.request('/api/songs', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await auth.bearerToken({ groups: ['curator'] })}`,
      },
      body: JSON.stringify({ title: '', artist: 'x', bpm: -1 }),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { issues: Array<{ path: string }> };
    expect(problem.issues.map((issue) => issue.path).sort()).toEqual(['bpm', 'title']);
  });

  it('reads a session cookie into the principal', async () => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(singer);
    const response = await app.request('/auth/session', { headers: { cookie: `__Host-sid=${sid}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      authenticated: true,
      user: { id: 'singer-1', name: 'Singer 1', email: 's1@karaoke.test', roles: ['singer'] },
    });
  });

  it('answers /auth/session with 401 {authenticated:false} for an unknown cookie', async () => {
    const { app } = await appWith();
    const response = await app.request('/auth/session', {
      headers: { cookie: `__Host-sid=${'x'.repeat(43)}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ authenticated: false });
  });

  it('answers 503 with Retry-After where a cookie caller must be known while the session store is down', async () => {
    const failing = memoryKeyValueStore();
    const down = async () => {
      throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    };
    const auth = await testAuth({
      kv: Object.fromEntries(Object.keys(failing).map((name) => [name, down])) as unknown as typeof failing,
    });
    const { app } = await appWith({ auth });
    const cookie = { cookie: `__Host-sid=${'a'.repeat(43)}` };
    for (const path of ['/api/me', '/auth/session']) {
      const response = await app.request(path, { headers: cookie });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('retry-after')).toBe('2');
    }
    // Routes open to everyone answer the cookie caller as anonymous.
    expect((await app.request('/api/health', { headers: cookie })).status).toBe(200);
    const bearer = await app.request('/api/me', {
      headers: { authorization: `Bearer ${await auth.bearerToken()}` },
    });
    expect(bearer.status).toBe(200);
    const login = await app.request('/auth/login');
    expect(login.status).toBe(503);
  });
});

describe('signing in through the BFF', () => {
  it('sends the browser to the provider and ties the callback to it with a short-lived cookie', async () => {
    const { app, auth } = await appWith();
    const response = await app.request('/auth/login?returnTo=/songs');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${auth.issuer}/auth\\?`));
    expect(response.headers.get('cache-control')).toBe('no-store');
    const loginCookie = cookieOf(response, LOGIN) ?? '';
    expect(loginCookie).toContain('HttpOnly');
    expect(loginCookie).toContain('SameSite=Lax');
    expect(loginCookie).toContain('Path=/auth/callback');
    expect(loginCookie).toContain('Max-Age=600');
    expect(loginCookie).toContain('Secure');
  });

  it.each([
    '//evil.example/',
    'https://evil.example/',
    '/\\evil.example',
    'songs',
    '\u0001',
    '/a\u0001',
    '/a b',
    '/café',
  ])('refuses to return anywhere but this site after sign-in (%s)', async (returnTo) => {
    const { app } = await appWith();
    const response = await app.request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(response.status).toBe(400);
  });

  it('starts a session at the callback and lands on the returnTo path', async () => {
    const { app, auth } = await appWith();
    auth.signInAs(singer);
    const response = await signIn(app, '', '/songs?q=abba');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://bff.test/songs?q=abba');
    const sid = cookieOf(response, SID) ?? '';
    expect(sid).toMatch(
      /^__Host-sid=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const session = await app.request('/auth/session', { headers: { cookie: sid.split(';')[0] ?? '' } });
    expect(await session.json()).toMatchObject({ authenticated: true, user: { id: 'singer-1' } });
  });

  it('sets the same __Host- cookie, Secure, without Domain, when the BFF is served over https', async () => {
    const { app } = await appWith({ config: { PUBLIC_BASE_URL: 'https://api.karaoke.example' } });
    const response = await signIn(app);
    expect(cookieOf(response, SID)).toContain('Secure');
    expect(cookieOf(response, SID)).not.toMatch(/Domain=/i);
  });

  it('ignores a cookie named plain sid: only the __Host- cookie counts', async () => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(singer);
    const response = await app.request('/auth/session', { headers: { cookie: `sid=${sid}` } });
    expect(response.status).toBe(401);
  });

  it('issues a new session id at sign-in and ends the one the browser brought along', async () => {
    const { app, auth } = await appWith();
    const planted = await auth.sessionFor({ id: 'attacker', roles: [] });
    const response = await signIn(app, `__Host-sid=${planted}`);
    const issued = cookieValue(cookieOf(response, SID));
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    const old = await app.request('/auth/session', { headers: { cookie: `__Host-sid=${planted}` } });
    expect(old.status).toBe(401);
  });

  it('refuses a callback without the sign-in cookie, and a replayed one', async () => {
    const { app } = await appWith();
    const bare = await app.request('/auth/callback?code=abc&state=anything');
    expect(bare.status).toBe(401);

    const login = await app.request('/auth/login');
    const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const cookie = (cookieOf(login, LOGIN) ?? '').split(';')[0] ?? '';
    const callback = `/auth/callback?code=abc&state=${encodeURIComponent(state)}`;
    expect((await app.request(callback, { headers: { cookie } })).status).toBe(302);
    expect((await app.request(callback, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a callback whose state is not the one sent', async () => {
    const { app } = await appWith();
    const login = await app.request('/auth/login');
    const cookie = (cookieOf(login, LOGIN) ?? '').split(';')[0] ?? '';
    const response = await app.request('/auth/callback?code=abc&state=forged', { headers: { cookie } });
    expect(response.status).toBe(401);
    expect(cookieOf(response, SID)).toBeUndefined();
  });
});

describe('signing out and cross-site requests', () => {
  it("ends the session on the server, clears the cookie and sends the browser to the provider's sign-out", async () => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(singer);
    const response = await app.request('/auth/logout', {
      method: 'POST',
      headers: { cookie: `__Host-sid=${sid}`, origin: 'http://bff.test' },
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.href.startsWith(`${auth.issuer}/session/end?`)).toBe(true);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe('http://bff.test/');
    expect(auth.endSessions).toEqual([{ returnTo: 'http://bff.test/', idTokenHint: 'provider-id-token' }]);
    expect(cookieOf(response, SID)).toMatch(/^__Host-sid=; Max-Age=0; Path=\/; HttpOnly; Secure/);
    const replay = await app.request('/api/me', { headers: { cookie: `__Host-sid=${sid}` } });
    expect(replay.status).toBe(401);
  });

  it.each([
    ['no Origin or Referer', {}],
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a foreign Referer', { referer: 'https://evil.example/page' }],
    ['an opaque Origin', { origin: 'null' }],
  ])('refuses a cookie POST with %s (403)', async (_case, headers: Record<string, string>) => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(singer);
    const response = await app.request('/auth/logout', {
      method: 'POST',
      headers: { cookie: `__Host-sid=${sid}`, ...headers },
    });
    expect(response.status).toBe(403);
    expect((await app.request('/auth/session', { headers: { cookie: `__Host-sid=${sid}` } })).status).toBe(
      200,
    );
  });

  it('accepts a cookie POST from a configured front-end origin or with a same-site Referer', async () => {
    const { app, auth } = await appWith();
    const allowed: Record<string, string>[] = [
      { origin: 'http://app.test' },
      { referer: 'http://bff.test/account' },
    ];
    for (const headers of allowed) {
      const sid = await auth.sessionFor(singer);
      const response = await app.request('/auth/logout', {
        method: 'POST',
        headers: { cookie: `__Host-sid=${sid}`, ...headers },
      });
      expect(response.status).toBe(303);
    }
  });

  it('does not ask Bearer callers for an Origin', async () => {
    const { app, auth } = await appWith();
    app.post('/api/echo', (c) => c.json({ ok: true }));
    const token = await auth.bearerToken();
    const response = await app.request('/api/echo', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
  });
});
