import { Redis } from 'ioredis';
import { redisTagInvalidator } from '#lib/cache-tags';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import { captureElasticsearch, captureRedis } from '#lib/trace-capture';
import { songIndexFor } from '#services/catalog/search/es-song-index';
import type { IndexerConfig } from '../config.ts';
import { createSearchIndexer } from './indexer.ts';

export function wireSearchIndexer(config: IndexerConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'search-indexer',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const elasticsearch = captureElasticsearch(createElasticsearchClient(config), tracer);
  const index = songIndexFor(elasticsearch, config.SEARCH_INDEX_PREFIX);
  // Short timeouts: a Redis that does not answer must not hold up indexing (see createSearchIndexer).
  const redis = captureRedis(
    new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 1000 }),
    tracer,
  );
  redis.on('error', (error: Error) =>
    log.debug('redis connection error', { 'error.message': error.message }),
  );
  const searchAnswers = redisTagInvalidator(redis);
  return {
    log,
    index,
    handle: traceQueueConsumer(tracer, 'search-indexer', createSearchIndexer({ index, log, searchAnswers })),
    async close() {
      redis.disconnect();
      await elasticsearch.close();
    },
  };
}
