import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '#lib/http';
import { validationHook } from '#lib/service-app';
import type { Principal, Role } from '../auth/principal.ts';
import type { CatalogClient } from '../clients/catalog.ts';
import { memoryCatalog } from '../clients/testing.ts';
import type { BffDeps, BffEnv } from '../env.ts';
import { silentLog } from '../testing.ts';
import { type DownloadGrant, mediaRoutes } from './media.ts';

const songId = randomUUID();
const link = (url: string) => ({
  url,
  expiresAt: new Date().toISOString(),
  mediaId: randomUUID(),
  fileName: 'A - B.mp3',
});
const catalog: CatalogClient = {
  ...memoryCatalog(),
  mediaStream: async () => link('https://bucket.example/stream'),
  mediaDownload: async () => link('https://bucket.example/download'),
};

/** The media routes behind a caller of the given roles (none: anonymous), as the app's chain leaves them. */
function appFor(roles: Role[] | null, downloadGrant?: DownloadGrant) {
  const principal: Principal | null = roles && { id: randomUUID(), roles, via: 'bearer' };
  const app = new OpenAPIHono<BffEnv>({ defaultHook: validationHook });
  app.use('*', async (c, next) => {
    c.set('principal', principal);
    c.set('log', silentLog);
    c.set('deps', { catalog } as unknown as BffDeps);
    await next();
  });
  app.route('/api', mediaRoutes(downloadGrant ? { downloadGrant } : {}));
  app.onError(problemResponse);
  return app;
}

describe('stream and download links', () => {
  it('redirect to a presigned URL that nothing may keep', async () => {
    const response = await appFor(['singer']).request(`/api/songs/${songId}/media/stream`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://bucket.example/stream');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('are for signed-in callers only', async () => {
    expect((await appFor(null).request(`/api/songs/${songId}/media/stream`)).status).toBe(401);
  });

  it('download for curators and admins, not for others', async () => {
    expect((await appFor(['curator']).request(`/api/songs/${songId}/media/download`)).status).toBe(302);
    expect((await appFor(['admin']).request(`/api/songs/${songId}/media/download`)).status).toBe(302);
    expect((await appFor(['singer']).request(`/api/songs/${songId}/media/download`)).status).toBe(403);
    expect((await appFor(['kj']).request(`/api/songs/${songId}/media/download`)).status).toBe(403);
  });

  it('let a download grant (a share) open the download to someone else', async () => {
    const granted: Array<[string, string]> = [];
    const grant: DownloadGrant = async (_, principal, id) => {
      granted.push([principal.roles.join(), id]);
      return true;
    };
    const response = await appFor(['singer'], grant).request(
      `/api/songs/${songId.toUpperCase()}/media/download`,
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://bucket.example/download');
    expect(granted).toEqual([['singer', songId]]);
  });
});
