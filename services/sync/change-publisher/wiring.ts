import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '#lib/aws';
import { createDb } from '#lib/db/create';
import type { Db } from '#lib/db/port';
import { sql } from '#lib/db/port';
import { createLogger } from '#lib/log';
import { noTracer, type Tracer, xrayTracer } from '#lib/trace';
import type { ChangeMessage } from '../changes.ts';
import type { PublisherConfig } from '../config.ts';
import { type ChangePublisher, type PublishOptions, publishPending } from '../outbox.ts';
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
  const publisher = traceContinuingPublisher(
    snsChangePublisher(sns, {
      changes: config.CHANGES_TOPIC_ARN,
      notifications: config.NOTIFICATIONS_TOPIC_ARN,
    }),
    db,
    tracer,
  );
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

/**
 * Publishes each outbox row in the trace of the write that made it (the row's `trace_header`): rows
 * are sent in groups of one trace, so each SNS call carries its rows' trace header and SNS passes
 * it on to the queues as `AWSTraceHeader`.
 */
function traceContinuingPublisher(inner: ChangePublisher, db: Db, tracer: Tracer): ChangePublisher {
  if (tracer === noTracer) return inner;
  return {
    async publish(messages) {
      const traced = await db.query<{ id: number; traceHeader: string }>(
        `SELECT id, trace_header AS "traceHeader" FROM outbox
         WHERE id IN (SELECT json_array_elements_text(:ids)::bigint) AND trace_header IS NOT NULL`,
        { ids: sql.json(messages.map((message) => message.outboxId)) },
      );
      const traceOf = new Map(traced.map((row) => [row.id, row.traceHeader]));
      const groups = new Map<string | undefined, ChangeMessage[]>();
      for (const message of messages) {
        const header = traceOf.get(message.outboxId);
        groups.set(header, [...(groups.get(header) ?? []), message]);
      }
      for (const [header, group] of groups) {
        await tracer.continueTraces('change-publisher', [header], () => inner.publish(group));
      }
    },
  };
}
