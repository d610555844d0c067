import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '#lib/aws';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, xrayTracer } from '#lib/trace';
import type { PublisherConfig } from '../config.ts';
import { type PublishOptions, publishPending } from '../outbox.ts';
import { snsChangePublisher } from '../sns-publisher.ts';

/** Outbox rows taken per transaction. */
export const PUBLISH_BATCH_SIZE = 100;

/** The outbox drain: pending rows from PostgreSQL to the SNS topics. */
export function wireChangePublisher(config: PublisherConfig, tracer: Tracer = xrayTracer()) {
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
    async close() {
      sns.destroy();
      await db.close();
    },
  };
}
