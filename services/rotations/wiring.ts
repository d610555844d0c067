import { actorTokenVerifier } from '#lib/actor-token';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import type { RotationsAppDeps } from './app.ts';
import type { RotationsConfig } from './config.ts';
import { pgRotationStore } from './repo.ts';
import { createRotationsService } from './service.ts';

export interface RotationsResources extends RotationsAppDeps {
  close(): Promise<void>;
}

export function wireRotations(config: RotationsConfig, tracer: Tracer = xrayTracer()): RotationsResources {
  const log = traceRequests(
    createLogger({ serviceName: 'rotations', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'rotations',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    rotations: createRotationsService({
      store: pgRotationStore(db),
      timing: {
        defaultDurationMs: config.ROTATION_DEFAULT_SONG_MS,
        changeoverMs: config.ROTATION_CHANGEOVER_MS,
      },
    }),
    async close() {
      await db.close();
    },
  };
}
