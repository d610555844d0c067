import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { awsClientConfig } from '#lib/aws';
import { redisTagInvalidator } from '#lib/cache-tags';
import { createDb } from '#lib/db/create';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, xrayTracer } from '#lib/trace';
import { songIndexFor } from '#services/catalog/search/es-song-index';
import { createCacheInvalidator } from './cache-invalidator/invalidator.ts';
import type { DlqMonitorConfig, IndexerConfig, InvalidatorConfig, PublisherConfig } from './config.ts';
import { sampleDeadLetterQueues, sqsQueueDepth } from './dlq-monitor/monitor.ts';
import { type PublishOptions, publishPending } from './outbox.ts';
import { createSearchIndexer } from './search-indexer/indexer.ts';
import { snsChangePublisher } from './sns-publisher.ts';

export const PUBLISH_BATCH_SIZE = 100;

/** The outbox drain shared by the change-publisher (fresh rows) and the sweeper (old rows). */
export function wirePublisher(config: PublisherConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'change-publisher',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const db = createDb(config, tracer, config.AWS_REGION);
  const sns = tracer.captureClient(new SNSClient(awsClientConfig(config)));
  const publisher = snsChangePublisher(sns, {
    changes: config.CHANGES_TOPIC_ARN,
    notifications: config.NOTIFICATIONS_TOPIC_ARN,
  });
  return {
    log,
    publish: (options: Partial<PublishOptions> = {}) =>
      publishPending(db, publisher, { batchSize: PUBLISH_BATCH_SIZE, ...options }),
    sweep: () =>
      publishPending(db, publisher, {
        batchSize: PUBLISH_BATCH_SIZE,
        minAgeMs: config.OUTBOX_SWEEP_MIN_AGE_MS,
      }),
    async close() {
      sns.destroy();
      await db.close();
    },
  };
}

export function wireSearchIndexer(config: IndexerConfig) {
  const log = createLogger({
    serviceName: 'search-indexer',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const elasticsearch = createElasticsearchClient(config);
  const index = songIndexFor(elasticsearch, config.SEARCH_INDEX_PREFIX);
  return {
    log,
    index,
    handle: createSearchIndexer({ index, log }),
    close: () => elasticsearch.close(),
  };
}

export function wireCacheInvalidator(config: InvalidatorConfig) {
  const log = createLogger({
    serviceName: 'cache-invalidator',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  // A Redis that does not answer fails the batch within the Lambda's time, so SQS retries it.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 2000,
  });
  redis.on('error', (error: Error) =>
    log.debug('redis connection error', { 'error.message': error.message }),
  );
  return {
    log,
    handle: createCacheInvalidator({ cache: redisTagInvalidator(redis), log }),
    async close() {
      redis.disconnect();
    },
  };
}

export function wireDlqMonitor(config: DlqMonitorConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'dlq-monitor',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const sqs = tracer.captureClient(new SQSClient(awsClientConfig(config)));
  return {
    log,
    sample: () => sampleDeadLetterQueues(sqsQueueDepth(sqs), config.DLQ_URLS, log),
    close: () => sqs.destroy(),
  };
}
