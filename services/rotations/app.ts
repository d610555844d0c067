import type { ActorTokenVerifier } from '#lib/actor-token';
import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { rotationRoutes } from './routes.ts';
import type { RotationsService } from './service.ts';

export interface RotationsAppDeps {
  rotations: RotationsService;
  log: Logger;
  /** Verifies the actor token of every call (see `#lib/actor-token`). */
  callers: ActorTokenVerifier;
}

/** The rotations service's Hono app, reached by the BFF on its internal route. */
export function createRotationsApp(deps: RotationsAppDeps) {
  const app = createServiceApp({ basePath, log: deps.log, callers: deps.callers, maxBodyBytes: 8 * 1024 });
  return rotationRoutes(app, deps.rotations);
}
