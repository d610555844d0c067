import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { BffEnv } from '../env.ts';

/** The pages of `bff/web/pages/`, each a file `<name>.tsx` there and `pages/<name>.html` once built. */
export const WEB_PAGE_NAMES = [
  'search',
  'song',
  'night',
  'kj',
  'display',
  'upload',
  'playlists',
  'shared',
] as const;
export type WebPageName = (typeof WEB_PAGE_NAMES)[number];

/** Which page each path shows; the page reads its ids from `location` itself. */
const PAGE_ROUTES: ReadonlyArray<readonly [string, WebPageName]> = [
  ['/', 'search'],
  ['/songs/:id', 'song'],
  ['/kj', 'kj'],
  ['/events/:id', 'night'],
  ['/events/:id/kj', 'kj'],
  ['/events/:id/display', 'display'],
  ['/library/upload', 'upload'],
  ['/library/playlists', 'playlists'],
  ['/library/playlists/:id', 'playlists'],
  ['/library/shared', 'shared'],
];

/** What `scripts/web-build.ts` writes beside the pages: each page's files and every asset's size. */
export interface WebManifest {
  pages: Record<string, { html: string; scripts: string[]; styles: string[] }>;
  assets: Record<string, number>;
}

/** Beside a function's bundle, `npm run build` puts the built front end here (scripts/build.ts). */
export const WEB_DIR = 'web';

/**
 * Only this origin's scripts, styles, images and API; no inline script or style. Audio comes from
 * this origin, which redirects a stream to a presigned S3 link: https on AWS, moto over plain http
 * on this machine for the local stage. The upload page also sends files straight to the media
 * bucket with a presigned POST: `uploadTo` is that bucket's origin, and only that page may reach it.
 */
export function pageCsp(
  stage: string,
  uploadTo: readonly string[] = [],
  signOutTo: readonly string[] = [],
): string {
  const media = stage === 'local' ? "'self' https: http://127.0.0.1:*" : "'self' https:";
  const connect = ["'self'", ...uploadTo].join(' ');
  const forms = ["'self'", ...signOutTo].join(' ');
  return (
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; ` +
    `media-src ${media}; form-action ${forms}; base-uri 'none'; frame-ancestors 'none'`
  );
}

/**
 * Where the sign-out form's answer leads: the identity provider's sign-out (Cognito's hosted UI,
 * or the issuer's end-session endpoint), which a browser checks against form-action at each redirect.
 */
export function signOutOrigins(config: { OIDC_ISSUER: string; OIDC_LOGOUT_URL?: string }): string[] {
  return [
    ...new Set(
      [config.OIDC_ISSUER, config.OIDC_LOGOUT_URL ?? config.OIDC_ISSUER].map((url) => new URL(url).origin),
    ),
  ];
}

/**
 * Where a presigned POST of the media bucket goes: the emulator's origin when the stack points the
 * SDK at one (path-style URLs), S3's regional virtual-hosted names on AWS. The BFF does not know the
 * bucket's name, so on AWS any bucket of the region; the POST policy pins bucket and key.
 */
export function mediaUploadOrigins(config: { AWS_REGION: string; AWS_ENDPOINT_URL?: string }): string[] {
  if (config.AWS_ENDPOINT_URL !== undefined) return [new URL(config.AWS_ENDPOINT_URL).origin];
  return [`https://*.s3.${config.AWS_REGION}.amazonaws.com`, 'https://*.s3.amazonaws.com'];
}

/** Hashed names: a file's content never changes under its name. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** Pages name the current assets, so the browser asks again each time (a 304 while its ETag holds). */
const PAGE_CACHE = 'no-cache';
const ASSET_NAME = /^[\w-]+\.(js|css|map)$/;
const ASSET_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
};

/** Beside the bundle on Lambda; `dist/web` (made by `npm start`, the tests or `npm run build`) from source. */
export function webDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const besideBundle = path.join(here, WEB_DIR);
  if (existsSync(besideBundle)) return besideBundle;
  const fromSource = path.resolve(here, '..', '..', 'dist', 'web');
  if (existsSync(fromSource)) return fromSource;
  throw new Error(
    `the front end is not built: run \`npx tsx scripts/web-build.ts\` (looked in ${fromSource})`,
  );
}

/**
 * The front end's pages and assets, mounted at `/` after every API route: it answers only the page
 * paths above and `/assets/*`, never `/api`, `/auth` or `/oidc`.
 */
export function webRoutes(options: { directory?: string } = {}) {
  let directory = options.directory;
  const files = new Map<string, Promise<Buffer>>();
  const read = (name: string) => {
    directory ??= webDirectory();
    let file = files.get(name);
    if (file === undefined) {
      file = readFile(path.join(directory, name));
      // A failed read is not kept: the next request tries again.
      file.catch(() => files.delete(name));
      files.set(name, file);
    }
    return file;
  };
  const app = new Hono<BffEnv>();
  for (const [route, page] of PAGE_ROUTES) {
    app.get(route, etag(), async (c) => {
      const html = await read(path.join('pages', `${page}.html`));
      const { config } = c.var.deps;
      c.header(
        'content-security-policy',
        pageCsp(config.STAGE, page === 'upload' ? mediaUploadOrigins(config) : [], signOutOrigins(config)),
      );
      c.header('cache-control', PAGE_CACHE);
      return c.html(html.toString('utf8'));
    });
  }
  app.get('/assets/:file', async (c) => {
    const name = c.req.param('file');
    const match = ASSET_NAME.exec(name);
    if (match === null) return c.notFound();
    const body = await read(path.join('assets', name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (body === undefined) return c.notFound();
    c.header('cache-control', ASSET_CACHE);
    return c.body(new Uint8Array(body), 200, { 'content-type': ASSET_TYPES[match[1] as string] as string });
  });
  return app;
}
