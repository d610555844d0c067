import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { catalogRoutes } from './routes.ts';
import type { CatalogService } from './service.ts';

export const CATALOG_BASE_PATH = '/internal/catalog';

export interface CatalogDeps {
  catalog: CatalogService;
  log: Logger;
}

/** The catalog service's Hono app, reached by the BFF on its internal route. */
export function createCatalogApp(deps: CatalogDeps) {
  const app = createServiceApp({ basePath: CATALOG_BASE_PATH, log: deps.log, maxBodyBytes: 2 * 1024 * 1024 });
  return catalogRoutes(app, deps.catalog);
}
