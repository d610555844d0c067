import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { rotationRoutes } from './routes.ts';
import type { RotationsService } from './service.ts';

export const ROTATIONS_BASE_PATH = '/internal/rotations';

export interface RotationsAppDeps {
  rotations: RotationsService;
  log: Logger;
}

/** The rotations service's Hono app, reached by the BFF on its internal route. */
export function createRotationsApp(deps: RotationsAppDeps) {
  const app = createServiceApp({ basePath: ROTATIONS_BASE_PATH, log: deps.log, maxBodyBytes: 8 * 1024 });
  return rotationRoutes(app, deps.rotations);
}
