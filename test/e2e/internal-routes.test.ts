import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACTOR_TOKEN_HEADER } from '#lib/actor-token';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { actorTokenKeyPair, stackActorTokens } from '../support/actor-tokens.ts';
import { freePort } from '../support/child.ts';

/** A raw request with the Host header a rebound DNS name would give it (fetch does not let one set Host). */
function withHost(url: string, host: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the services’ internal routes on the local stack', () => {
  let server: LocalServer;
  const env = inject('localEnv');
  const tokens = stackActorTokens(env);
  const ada = '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

  beforeAll(async () => {
    server = await startLocalServer(env, await freePort());
  });

  afterAll(async () => {
    await server?.close();
  });

  it('are not served on the public port, whatever the caller sends', async () => {
    for (const headers of [{}, await tokens('catalog'), { 'x-actor-id': ada, 'x-actor-roles': 'admin' }]) {
      const response = await fetch(`${server.url}/internal/catalog/songs/search?q=a`, { headers });
      expect(response.status).toBe(404);
    }
  });

  it('listen on a loopback port of their own, and answer a call with the BFF’s actor token', async () => {
    expect(new URL(server.internalUrl).hostname).toBe('127.0.0.1');
    expect(server.internalUrl).not.toBe(server.url);
    const response = await fetch(`${server.internalUrl}/internal/catalog/songs/${ada}`, {
      headers: await tokens('catalog'),
    });
    // Past the token check: the catalog looked the song up and has none by that id.
    expect(response.status).toBe(404);
  });

  it('refuse forged actor headers, no token, a token for another service and a token of another key (401)', async () => {
    const path = `${server.internalUrl}/internal/singers/singers/${ada}`;
    const strangerTokens = stackActorTokens({ ACTOR_TOKEN_SIGNING_KEY: actorTokenKeyPair().privateKey });
    const actor = { id: ada, roles: ['singer'] };
    for (const headers of [
      { 'x-actor-id': ada, 'x-actor-roles': 'admin' },
      {},
      await tokens('catalog', actor),
      await strangerTokens('singers', actor),
      { [ACTOR_TOKEN_HEADER]: 'not.a.token' },
    ]) {
      const response = await fetch(path, { headers });
      expect(response.status, JSON.stringify(Object.keys(headers))).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('refuse a request addressed to any other host name (DNS rebinding), token or not', async () => {
    const url = `${server.internalUrl}/internal/catalog/songs/${ada}`;
    const port = new URL(server.internalUrl).port;
    expect(await withHost(url, `attacker.example:${port}`)).toBe(421);
    expect(await withHost(url, `attacker.example:${port}`, await tokens('catalog'))).toBe(421);
    expect(await withHost(url, `127.0.0.1:${port}`, await tokens('catalog'))).toBe(404);
  });

  it('still serve everything through the BFF', async () => {
    const token = await issueLocalAccessToken(server.oidcIssuer, 'singer1');
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const created = await fetch(`${server.url}/api/songs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await issueLocalAccessToken(server.oidcIssuer, 'curator')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ title: 'Through the BFF', artist: 'Internal Routes' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${server.url}/api/songs/${id}`)).status).toBe(200);
  });
});
