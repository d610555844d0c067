import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { mediaRoutes } from './media/routes.ts';
import type { MediaService } from './media/service.ts';
import { catalogRoutes } from './routes.ts';
import type { CatalogService } from './service.ts';

export interface CatalogDeps {
  catalog: CatalogService;
  media: MediaService;
  log: Logger;
}

/** The catalog service's Hono app, reached by the BFF on its internal route. */
export function createCatalogApp(deps: CatalogDeps) {
  const app = createServiceApp({ basePath, log: deps.log, maxBodyBytes: 2 * 1024 * 1024 });
  return mediaRoutes(catalogRoutes(app, deps.catalog), deps.media);
}
