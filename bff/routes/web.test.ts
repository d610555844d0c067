import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, type WebBuildResult } from '#scripts/web-build';
import { createApp } from '../app.ts';
import { testAuth } from '../auth/testing.ts';
import type { BffDeps, BffEnv } from '../env.ts';
import { memoryBffDeps, testConfig } from '../testing.ts';
import { mediaUploadOrigins, pageCsp, signOutOrigins, webRoutes } from './web.ts';

describe('the front end as the BFF serves it', () => {
  let directory: string;
  let built: WebBuildResult;
  const app = new Hono<BffEnv>();

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'web-'));
    built = await buildWeb(directory);
    app.use('*', async (c, next) => {
      c.set('deps', { config: testConfig } as BffDeps);
      await next();
    });
    app.route('/', webRoutes({ directory }));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('serves each page as HTML that is never cached, under a CSP with no inline script', async () => {
    for (const page of [
      '/',
      '/songs/1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      '/kj',
      '/events/x',
      '/events/x/kj',
      '/events/x/display',
      '/library/playlists',
      '/library/playlists/1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      '/library/shared',
    ]) {
      const response = await app.request(page);
      expect(response.status, page).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toBe(
        pageCsp('test', [], signOutOrigins(testConfig)),
      );
      const html = await response.text();
      expect(html).toMatch(/<script type="module" src="\/assets\/[\w-]+\.js"><\/script>/);
      expect(html).not.toMatch(/<script>|<script type="module">/);
    }
    expect(pageCsp('test')).toContain("script-src 'self';");
    expect(pageCsp('test')).not.toContain('unsafe-inline');
  });

  it('lets only the upload page reach the media bucket, at its emulator locally or S3 on AWS', async () => {
    const regional = new Hono<BffEnv>();
    regional.use('*', async (c, next) => {
      c.set('deps', { config: { ...testConfig, AWS_REGION: 'eu-west-1' } } as BffDeps);
      await next();
    });
    regional.route('/', webRoutes({ directory }));
    const upload = await regional.request('/library/upload');
    expect(upload.status).toBe(200);
    expect(upload.headers.get('content-security-policy')).toBe(
      pageCsp(
        'test',
        ['https://*.s3.eu-west-1.amazonaws.com', 'https://*.s3.amazonaws.com'],
        signOutOrigins(testConfig),
      ),
    );
    expect(upload.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://*.s3.eu-west-1.amazonaws.com https://*.s3.amazonaws.com;",
    );
    expect(mediaUploadOrigins({ AWS_REGION: 'eu-west-1' })).toEqual([
      'https://*.s3.eu-west-1.amazonaws.com',
      'https://*.s3.amazonaws.com',
    ]);
    expect(
      mediaUploadOrigins({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5123/some/path' }),
    ).toEqual(['http://127.0.0.1:5123']);
    expect(pageCsp('local', ['http://127.0.0.1:5123'])).toContain(
      "connect-src 'self' http://127.0.0.1:5123;",
    );
    // Every other page talks to this origin only.
    const search = await app.request('/');
    expect(search.headers.get('content-security-policy')).toContain("connect-src 'self';");
  });

  it("lets a page's sign-out form lead to the identity provider's sign-out, and no other form elsewhere", () => {
    const cognito = {
      OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      OIDC_LOGOUT_URL: 'https://karaoke.auth.eu-west-1.amazoncognito.com/logout',
    };
    expect(signOutOrigins(cognito)).toEqual([
      'https://cognito-idp.eu-west-1.amazonaws.com',
      'https://karaoke.auth.eu-west-1.amazoncognito.com',
    ]);
    expect(signOutOrigins({ OIDC_ISSUER: 'http://127.0.0.1:4000/oidc' })).toEqual(['http://127.0.0.1:4000']);
    expect(pageCsp('test', [], signOutOrigins(cognito))).toContain(
      "form-action 'self' https://cognito-idp.eu-west-1.amazonaws.com https://karaoke.auth.eu-west-1.amazoncognito.com;",
    );
  });

  it('answers a page it has seen with 304 when the browser still has it', async () => {
    const first = await app.request('/');
    const again = await app.request('/', { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets as immutable for a year, and nothing outside the assets folder', async () => {
    const script = built.pages.search?.scripts[0] ?? '';
    const response = await app.request(script);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const bad of [
      '/assets/missing-123.js',
      '/assets/..%2Fmanifest.json',
      '/assets/x.html',
      '/pages/search.html',
    ])
      expect((await app.request(bad)).status, bad).toBe(404);
  });

  it('keeps the search page under 60 KB of gzipped JavaScript', async () => {
    const { gzipSync } = await import('node:zlib');
    const { readFileSync } = await import('node:fs');
    const gzipped = (built.pages.search?.scripts ?? []).reduce(
      (sum, script) => sum + gzipSync(readFileSync(path.join(directory, script))).byteLength,
      0,
    );
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(60 * 1024);
  });
});

describe('the front end beside the API', () => {
  it('leaves /api to the API: an unknown API path is a JSON problem with the API headers', async () => {
    const app = createApp(memoryBffDeps((await testAuth()).deps));
    const response = await app.request('/api/songs-page');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });
});
