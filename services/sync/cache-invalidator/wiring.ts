import { Redis } from 'ioredis';
import { redisTagInvalidator } from '#lib/cache-tags';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import { captureRedis } from '#lib/trace-capture';
import type { InvalidatorConfig } from '../config.ts';
import { createCacheInvalidator } from './invalidator.ts';

export function wireCacheInvalidator(config: InvalidatorConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'cache-invalidator',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  // A Redis that does not answer fails the batch within the Lambda's time, so SQS retries it.
  const redis = captureRedis(
    new Redis(config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
    }),
    tracer,
  );
  redis.on('error', (error: Error) =>
    log.debug('redis connection error', { 'error.message': error.message }),
  );
  return {
    log,
    handle: traceQueueConsumer(
      tracer,
      'cache-invalidator',
      createCacheInvalidator({ cache: redisTagInvalidator(redis), log }),
    ),
    async close() {
      redis.disconnect();
    },
  };
}
