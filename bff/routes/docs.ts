import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/**
 * The viewer's files, served from this origin: the page works offline and behind firewalls, runs
 * only the pinned `swagger-ui-dist` release, and lives under a CSP that allows nothing else.
 */
const VIEWER_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/** Beside a function's bundle, `npm run build` copies the viewer's files here (scripts/build.ts). */
export const API_DOCS_DIR = 'api-docs';

/** Starts the viewer on the description; a file of its own, since the CSP runs no inline script. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Karaoke Suite API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body>
</html>
`;

/**
 * Only this origin's scripts and styles; Swagger UI sets inline style attributes and shows inline
 * SVG images, and reads the description from this origin.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A day: the files change only with the pinned release, and a new deploy is seen by tomorrow. */
const ASSET_CACHE = 'public, max-age=86400';

/** Beside the bundle on Lambda; the installed `swagger-ui-dist` package when running from source. */
function viewerDirectory(): string {
  const besideBundle = path.join(path.dirname(fileURLToPath(import.meta.url)), API_DOCS_DIR);
  if (existsSync(besideBundle)) return besideBundle;
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** `GET /api/docs`: Swagger UI over the generated `/api/openapi.json`, all from this origin. Mounted at `/api`. */
export function docsRoutes() {
  let directory: string | undefined;
  const files = new Map<string, Promise<Buffer>>();
  const read = (name: string) => {
    directory ??= viewerDirectory();
    let file = files.get(name);
    if (file === undefined) {
      file = readFile(path.join(directory, name));
      // A failed read is not kept: the next request tries again.
      file.catch(() => files.delete(name));
      files.set(name, file);
    }
    return file;
  };
  return new Hono()
    .get('/docs', (c) => {
      c.header('content-security-policy', DOCS_CSP);
      return c.html(PAGE);
    })
    .get('/docs/assets/init.js', (c) => {
      c.header('cache-control', ASSET_CACHE);
      return c.body(INIT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' });
    })
    .get('/docs/assets/:file', async (c) => {
      const name = c.req.param('file');
      const type = VIEWER_FILES[name];
      if (type === undefined) return c.notFound();
      c.header('cache-control', ASSET_CACHE);
      return c.body(new Uint8Array(await read(name)), 200, { 'content-type': type });
    });
}
