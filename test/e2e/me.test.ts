import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '#bff/app';
import { httpServiceClient } from '#bff/clients/service-client';
import { singersClient } from '#bff/clients/singers';
import { loadBffConfig } from '#bff/config';
import { type BffResources, wireBff } from '#bff/wiring';
import { actorTokenSigner } from '#lib/actor-token';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';

type Part<T> = { status: 'ok'; data: T } | { status: 'unavailable' };
interface MeBody {
  id: string;
  roles: string[];
  profile: Part<{ id: string; stageName: string; email: string | null; version: number }>;
  favourites: Part<{ count: number; items: Array<{ songId: string; addedAt: string }> }>;
}

const subOf = (username: string) => DEMO_USERS.find((user) => user.username === username)?.sub;

describe('/api/me over HTTP on the local stack', () => {
  let server: LocalServer;
  let curator: string;
  let singer5: string;
  let singer6: string;
  let songId: string;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    [curator, singer5, singer6] = await Promise.all([
      issueLocalAccessToken(server.oidcIssuer, 'curator'),
      issueLocalAccessToken(server.oidcIssuer, 'singer5'),
      issueLocalAccessToken(server.oidcIssuer, 'singer6'),
    ]);
    const created = await api('/songs', curator, {
      method: 'POST',
      body: JSON.stringify({ title: `Favourite ${randomUUID()}`, artist: 'The Testers' }),
    });
    expect(created.status).toBe(201);
    songId = ((await created.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await server?.close();
  });

  const api = (path: string, token: string, init: RequestInit = {}, baseUrl?: string) =>
    fetch(`${baseUrl ?? server.url}/api${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
  const me = async (token: string, baseUrl?: string) => {
    const response = await api('/me', token, {}, baseUrl);
    expect(response.status).toBe(200);
    return (await response.json()) as MeBody;
  };

  it('shows a Bearer singer their profile, created on first use, and their favourites', async () => {
    const first = await me(singer5);
    // The profile exists either way: made now from the token (no name or email in access tokens,
    // as with Cognito), or earlier in this run when another test signed singer5 in by browser.
    expect(first).toMatchObject({
      id: subOf('singer5'),
      roles: ['singer'],
      profile: { status: 'ok', data: { id: subOf('singer5'), stageName: expect.any(String) } },
      favourites: { status: 'ok', data: { count: 0, items: [] } },
    });

    expect((await api(`/me/favourites/${songId}`, singer5, { method: 'PUT' })).status).toBe(200);
    expect((await api(`/me/favourites/${songId}`, singer5, { method: 'PUT' })).status).toBe(200);
    const after = await me(singer5);
    expect(after.favourites).toMatchObject({ status: 'ok', data: { count: 1, items: [{ songId }] } });
    const page = await (await api('/me/favourites?limit=10', singer5)).json();
    expect(page).toMatchObject({ total: 1, items: [{ songId }], cursor: null });

    const renamed = await api('/me', singer5, {
      method: 'PATCH',
      body: JSON.stringify({ stageName: 'Fab Five' }),
    });
    expect(renamed.status).toBe(200);
    expect((await me(singer5)).profile).toMatchObject({ status: 'ok', data: { stageName: 'Fab Five' } });
  });

  it('answers 404 for a favourite that is not in the catalog, and keeps nothing', async () => {
    const unknown = await api(`/me/favourites/${randomUUID()}`, singer6, { method: 'PUT' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toMatchObject({ detail: expect.stringMatching(/No song with id/) });
    const mine = await me(singer6);
    expect(mine.favourites).toMatchObject({ status: 'ok', data: { count: 0 } });
  });

  it("never lets one singer reach another's data", async () => {
    const victim = subOf('singer5');
    await api(`/me/favourites/${songId}`, singer5, { method: 'PUT' });
    const victimBefore = await me(singer5);

    const forged = await api('/me', singer6, {
      method: 'PATCH',
      body: JSON.stringify({ id: victim, stageName: 'Taken Over' }),
    });
    expect(forged.status).toBe(400);
    const attackerView = await me(singer6);
    expect(attackerView.id).toBe(subOf('singer6'));
    expect(attackerView.profile).toMatchObject({ status: 'ok', data: { id: subOf('singer6') } });
    expect(attackerView.favourites).toMatchObject({ status: 'ok', data: { count: 0, items: [] } });
    const attackerPage = await (await api('/me/favourites', singer6)).json();
    expect(attackerPage).toMatchObject({ total: 0, items: [] });
    // Removing "the same" favourite only ever touches the caller's own list.
    expect((await api(`/me/favourites/${songId}`, singer6, { method: 'DELETE' })).status).toBe(204);
    // There is no route that takes a singer id from the caller.
    expect((await api(`/singers/${victim}`, singer6)).status).toBe(404);
    expect((await api(`/me/${victim}`, singer6)).status).toBe(404);

    const victimAfter = await me(singer5);
    expect(victimAfter.profile).toEqual(victimBefore.profile);
    expect(victimAfter.favourites).toMatchObject({ status: 'ok', data: { count: 1, items: [{ songId }] } });
  });

  describe('with the singers service down', () => {
    let outage: BffResources;
    let outageServer: Server;
    let outageUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      outageUrl = `http://127.0.0.1:${port}`;
      const config = loadBffConfig({
        ...inject('localEnv'),
        OIDC_ISSUER: server.oidcIssuer,
        PUBLIC_BASE_URL: outageUrl,
        SERVICES_BASE_URL: server.internalUrl,
        SERVICE_AUTH: 'none',
        // Nothing served from the cache: the answer shows what the BFF does without the service.
        READ_CACHE: 'off',
      });
      const deadPort = await freePort();
      outage = {
        ...wireBff(config),
        singers: singersClient(
          httpServiceClient({
            name: 'singers',
            baseUrl: `http://127.0.0.1:${deadPort}`,
            timeoutMs: 500,
            retries: 1,
            actorTokens: actorTokenSigner(config.ACTOR_TOKEN_SIGNING_KEY),
          }),
        ),
      };
      outageServer = createServer(getRequestListener(createApp(outage).fetch));
      await new Promise<void>((resolve) => outageServer.listen(port, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => {
        outageServer?.close(() => resolve());
        outageServer?.closeAllConnections();
      });
      await outage?.close();
    });

    it('answers /api/me with 200 and the profile marked unavailable', async () => {
      const started = Date.now();
      const body = await me(singer5, outageUrl);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(body).toMatchObject({
        id: subOf('singer5'),
        roles: ['singer'],
        profile: { status: 'unavailable' },
        favourites: { status: 'unavailable' },
      });
    });

    it('answers a write with a 503 problem that names no internals', async () => {
      const response = await api(
        '/me',
        singer5,
        { method: 'PATCH', body: JSON.stringify({ stageName: 'x' }) },
        outageUrl,
      );
      expect(response.status).toBe(503);
      const problem = (await response.json()) as { detail: string };
      expect(problem.detail).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    });
  });
});
