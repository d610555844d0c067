import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DependencyError, NotFoundError } from '#lib/errors';
import { memoryRateLimiter } from '../abuse/rate-limit.ts';
import { createApp } from '../app.ts';
import { testAuth } from '../auth/testing.ts';
import { noCache } from '../cache/port.ts';
import type { CatalogClient } from '../clients/catalog.ts';
import type { SingersClient } from '../clients/singers.ts';
import { memorySingers, quietNights, testSong } from '../clients/testing.ts';
import type { BffConfig } from '../config.ts';
import { probesUp, silentLog, testConfig } from '../testing.ts';
import { noUsage } from '../usage/publisher.ts';

const config = { ...testConfig, CORS_ORIGINS: [], ME_PART_TIMEOUT_MS: 200 } as BffConfig;

const knownSong = randomUUID();

/** A catalog holding one song; the me routes only ever look songs up. */
const catalog: CatalogClient = {
  get: async (_, id) => {
    if (id !== knownSong) throw new NotFoundError(`No song with id ${id}.`);
    return testSong({ title: 'Known', artist: 'Someone' }, id);
  },
  lookup: () => Promise.reject(new Error('not used')),
  search: () => Promise.reject(new Error('not used')),
  create: () => Promise.reject(new Error('not used')),
  update: () => Promise.reject(new Error('not used')),
  remove: () => Promise.reject(new Error('not used')),
  mediaUpload: () => Promise.reject(new Error('not used')),
  mediaList: () => Promise.reject(new Error('not used')),
  mediaRemove: () => Promise.reject(new Error('not used')),
  mediaStream: () => Promise.reject(new Error('not used')),
  mediaDownload: () => Promise.reject(new Error('not used')),
};

/** A singers service that is down: every call fails as the HTTP client reports it. */
const singersDown: SingersClient = new Proxy({} as SingersClient, {
  get: () => () => Promise.reject(new DependencyError('singers did not answer: connect ECONNREFUSED')),
});

async function appWith(singers: SingersClient = memorySingers()) {
  const auth = await testAuth();
  const app = createApp({
    config,
    log: silentLog,
    probes: probesUp,
    auth: auth.deps,
    catalog,
    singers,
    ...quietNights(),
    cache: noCache(),
    rateLimiter: memoryRateLimiter(),
    usage: noUsage,
  });
  const as = async (sub: string, name = 'Singer One') => {
    const token = await auth.bearerToken({ sub, name, email: `${sub}@karaoke.test`, groups: ['singer'] });
    return (path: string, init: RequestInit = {}) =>
      app.request(`/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
  };
  return { app, auth, as };
}

type MeBody = {
  id: string;
  profile: { status: string; data?: { id: string; stageName: string } };
  favourites: { status: string; data?: { count: number; items: Array<{ songId: string }> } };
};

describe('/api/me', () => {
  it('creates the singer of a first-time Bearer caller and shows their profile and favourites', async () => {
    const singers = memorySingers();
    const { as } = await appWith(singers);
    const sub = randomUUID();
    const me = await as(sub);
    const response = await me('/me');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({
      id: sub,
      roles: ['singer'],
      profile: { status: 'ok', data: { id: sub, stageName: 'Singer One', email: `${sub}@karaoke.test` } },
      favourites: { status: 'ok', data: { count: 0, items: [] } },
    });
    expect(singers.calls.filter((call) => call.startsWith('upsert'))).toEqual([`upsert ${sub}`]);
    await me('/me');
    expect(singers.calls.filter((call) => call.startsWith('upsert'))).toHaveLength(1);
  });

  it('answers 200 with the parts unavailable when the singers service is down', async () => {
    const { as } = await appWith(singersDown);
    const response = await (await as(randomUUID()))('/me');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      roles: ['singer'],
      profile: { status: 'unavailable' },
      favourites: { status: 'unavailable' },
    });
  });

  it('answers a slow part as unavailable at its deadline while the other part is served', async () => {
    const singers = memorySingers();
    const slow: SingersClient = { ...singers, get: () => new Promise(() => {}) };
    const { as } = await appWith(slow);
    const sub = randomUUID();
    await singers.upsert({ requestId: 'r', traceId: 't' }, sub, { name: 'Slow' });
    const started = Date.now();
    const body = (await (await (await as(sub))('/me')).json()) as MeBody;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(body.profile).toEqual({ status: 'unavailable' });
    expect(body.favourites.status).toBe('ok');
  });

  it('is described in the OpenAPI document, for signed-in callers', async () => {
    const { app } = await appWith();
    const document = (await (await app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/me', '/api/me/favourites', '/api/me/favourites/{songId}']),
    );
    expect(document.paths['/api/me/favourites/{songId}']?.put?.security).toEqual([
      { session: [] },
      { bearer: [] },
    ]);
  });

  it('is for signed-in callers only', async () => {
    const { app } = await appWith();
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['PATCH', '/api/me'],
      ['GET', '/api/me/favourites'],
      ['PUT', `/api/me/favourites/${knownSong}`],
      ['DELETE', `/api/me/favourites/${knownSong}`],
    ] as const) {
      expect((await app.request(path, { method })).status, path).toBe(401);
    }
  });
});

describe('a singer changing their own data', () => {
  it('changes the stage name of the caller, whatever id the body names', async () => {
    const { as } = await appWith();
    const alice = await as(randomUUID(), 'Alice');
    const bob = randomUUID();
    const me = await as(bob, 'Bob');
    await me('/me');
    const forged = await alice('/me', {
      method: 'PATCH',
      body: JSON.stringify({ id: bob, stageName: 'Pwned' }),
    });
    expect(forged.status).toBe(400);
    const changed = await alice('/me', {
      method: 'PATCH',
      body: JSON.stringify({ stageName: ' Alice Cooper ' }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ stageName: 'Alice Cooper' });
    const bobs = (await (await me('/me')).json()) as MeBody;
    expect(bobs.profile.data?.stageName).toBe('Bob');
  });

  it('keeps favourites of catalog songs only, idempotently, and lets them go', async () => {
    const { as } = await appWith();
    const me = await as(randomUUID());
    const unknown = await me(`/me/favourites/${randomUUID()}`, { method: 'PUT' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ detail: expect.stringMatching(/No song with id/) });
    expect((await me('/me/favourites/not-a-uuid', { method: 'PUT' })).status).toBe(400);

    expect((await me(`/me/favourites/${knownSong}`, { method: 'PUT' })).status).toBe(200);
    expect((await me(`/me/favourites/${knownSong}`, { method: 'PUT' })).status).toBe(200);
    const page = await (await me('/me/favourites')).json();
    expect(page).toMatchObject({ total: 1, items: [{ songId: knownSong }], cursor: null });
    const summary = ((await (await me('/me')).json()) as MeBody).favourites;
    expect(summary).toMatchObject({ status: 'ok', data: { count: 1, items: [{ songId: knownSong }] } });

    expect((await me(`/me/favourites/${knownSong}`, { method: 'DELETE' })).status).toBe(204);
    expect((await me(`/me/favourites/${knownSong}`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await me('/me/favourites')).json()).toMatchObject({ total: 0, items: [] });
  });

  it('answers 503, not 500, when the singers service is down for a write', async () => {
    const { as } = await appWith(singersDown);
    const response = await (await as(randomUUID()))('/me', {
      method: 'PATCH',
      body: JSON.stringify({ stageName: 'x' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('signing in', () => {
  const signIn = async (app: Awaited<ReturnType<typeof appWith>>['app']) => {
    const login = await app.request('/auth/login');
    const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const cookie = (
      login.headers.getSetCookie().find((line) => line.startsWith('__Secure-sid_login=')) ?? ''
    ).split(';')[0];
    return app.request(`/auth/callback?code=abc&state=${encodeURIComponent(state)}`, {
      headers: { cookie: cookie ?? '' },
    });
  };

  it('creates the singer when the session starts', async () => {
    const singers = memorySingers();
    const { app, auth } = await appWith(singers);
    const id = randomUUID();
    auth.signInAs({ id, roles: ['singer'], name: 'New Singer', email: 'new@karaoke.test' });
    expect((await signIn(app)).status).toBe(302);
    expect(await singers.get({ requestId: 'r', traceId: 't' }, id)).toMatchObject({
      stageName: 'New Singer',
      email: 'new@karaoke.test',
    });
  });

  it('still signs the user in when the singers service is down', async () => {
    const { app, auth } = await appWith(singersDown);
    auth.signInAs({ id: randomUUID(), roles: ['singer'], name: 'Unlucky' });
    const response = await signIn(app);
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().some((line) => line.startsWith('__Host-sid='))).toBe(true);
  });
});
