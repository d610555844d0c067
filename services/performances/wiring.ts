import { actorTokenVerifier } from '#lib/actor-token';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, traceRequests, xrayTracer } from '#lib/trace';
import type { PerformancesAppDeps } from './app.ts';
import type { PerformancesConfig } from './config.ts';
import { createPerformanceRecorder } from './recorder.ts';
import { pgPerformanceStore } from './repo.ts';
import { createPerformancesService } from './service.ts';

export function wirePerformances(config: PerformancesConfig, tracer: Tracer = xrayTracer()) {
  const log = traceRequests(
    createLogger({ serviceName: 'performances', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'performances',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  const performances = createPerformancesService({ performances: pgPerformanceStore(db) });
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    performances,
    recorder: traceQueueConsumer(
      tracer,
      'performances-recorder',
      createPerformanceRecorder({ performances, log }),
    ),
    close: () => db.close(),
  } satisfies PerformancesAppDeps & Record<string, unknown>;
}
