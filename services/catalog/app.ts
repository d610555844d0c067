import type { ActorTokenVerifier } from '#lib/actor-token';
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
  /** Verifies the actor token of every call (see `#lib/actor-token`). */
  callers: ActorTokenVerifier;
}

/** The catalog service's Hono app, reached by the BFF on its internal route. */
export function createCatalogApp(deps: CatalogDeps) {
  const app = createServiceApp({
    basePath,
    log: deps.log,
    callers: deps.callers,
    maxBodyBytes: 2 * 1024 * 1024,
  });
  return mediaRoutes(catalogRoutes(app, deps.catalog), deps.media);
}
