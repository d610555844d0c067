import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { createApp } from './app.ts';
import type { BffConfig } from './config.ts';
import type { Probes } from './health/probes.ts';

const config = {
  STAGE: 'test',
  LOG_LEVEL: 'SILENT',
  HEALTH_PROBE_TIMEOUT_MS: 100,
} as BffConfig;

const up = async () => {};
const appWith = (probes: Partial<Probes> = {}) =>
  createApp({
    config,
    log: createLogger({ serviceName: 'bff', level: 'SILENT', environment: 'test' }),
    probes: { postgres: up, redis: up, elasticsearch: up, queues: up, ...probes },
  });

describe('BFF app', () => {
  it('reports health with every dependency up', async () => {
    const response = await appWith().request('/api/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      status: 'ok',
      deps: { postgres: 'up', redis: 'up', elasticsearch: 'up', queues: 'up' },
    });
  });

  it('answers 503 naming the dependency that is down', async () => {
    const response = await appWith({
      elasticsearch: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    }).request('/api/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'degraded', deps: { elasticsearch: 'down' } });
  });

  it('answers an unknown route with a problem+json 404 that carries the request id', async () => {
    const response = await appWith().request('/api/nothing-here', { headers: { 'x-request-id': 'req-123' } });
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
    const response = await appWith().request('/api/health', {
      headers: { 'x-request-id': '<script>alert(1)</script>' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an oversized body with 413 before any route reads it', async () => {
    const response = await appWith().request('/api/health', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024) },
      body: 'x'.repeat(1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      status: 413,
      detail: expect.stringMatching(/limited to 256 KiB/),
    });
  });

  it('hides the message of an unexpected failure', async () => {
    const app = appWith();
    app.get('/api/explode', () => {
      throw new Error('password=hunter2 at db.internal:5432');
    });
    const response = await app.request('/api/explode');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('db.internal');
  });

  it('describes itself in OpenAPI 3.1', async () => {
    const response = await appWith().request('/api/openapi.json');
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/health');
  });

  it('sends security headers', async () => {
    const response = await appWith().request('/api/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});
