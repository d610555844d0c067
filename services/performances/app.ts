import type { ActorTokenVerifier } from '#lib/actor-token';
import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { performanceRoutes } from './routes.ts';
import type { PerformancesService } from './service.ts';

export interface PerformancesAppDeps {
  performances: PerformancesService;
  log: Logger;
  /** Verifies the actor token of every call (see `#lib/actor-token`). */
  callers: ActorTokenVerifier;
}

/** The performances service's Hono app (reads); its queue consumer is `recorder-handler.ts`. */
export function createPerformancesApp(deps: PerformancesAppDeps) {
  const app = createServiceApp({ basePath, log: deps.log, callers: deps.callers, maxBodyBytes: 4 * 1024 });
  return performanceRoutes(app, deps.performances);
}
