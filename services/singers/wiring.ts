import { actorTokenVerifier } from '#lib/actor-token';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import type { SingersDeps } from './app.ts';
import type { SingersConfig } from './config.ts';
import { pgSingerStore } from './repo.ts';
import { createSingersService } from './service.ts';

export interface SingersResources extends SingersDeps {
  close(): Promise<void>;
}

export function wireSingers(config: SingersConfig, tracer: Tracer = xrayTracer()): SingersResources {
  const log = traceRequests(
    createLogger({ serviceName: 'singers', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'singers',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    singers: createSingersService({ singers: pgSingerStore(db) }),
    async close() {
      await db.close();
    },
  };
}
