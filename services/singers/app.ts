import type { ActorTokenVerifier } from '#lib/actor-token';
import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { singerRoutes } from './routes.ts';
import type { SingersService } from './service.ts';

export interface SingersDeps {
  singers: SingersService;
  log: Logger;
  /** Verifies the actor token of every call (see `#lib/actor-token`). */
  callers: ActorTokenVerifier;
}

/** The singers service's Hono app, reached by the BFF on its internal route. */
export function createSingersApp(deps: SingersDeps) {
  const app = createServiceApp({ basePath, log: deps.log, callers: deps.callers, maxBodyBytes: 16 * 1024 });
  return singerRoutes(app, deps.singers);
}
