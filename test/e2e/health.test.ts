import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { freePort } from '../support/child.ts';

describe('GET /api/health over HTTP on the local stack', () => {
  let server: LocalServer;
  let degraded: LocalServer;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    // The same system, but with Redis pointing at a port where nothing listens.
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    degraded = await startLocalServer({ ...inject('localEnv'), REDIS_URL: deadRedis }, await freePort());
  });

  afterAll(async () => {
    await Promise.all([server?.close(), degraded?.close()]);
  });

  it('reports PostgreSQL, Redis, Elasticsearch and the queues up, checked live', async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      deps: { postgres: 'up', redis: 'up', elasticsearch: 'up', queues: 'up' },
    });
  });

  it('reports the one dependency that is unreachable as down, and the rest up', async () => {
    const response = await fetch(`${degraded.url}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'degraded',
      deps: { postgres: 'up', redis: 'down', elasticsearch: 'up', queues: 'up' },
    });
  });

  it('serves the OpenAPI description at /api/openapi.json', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
