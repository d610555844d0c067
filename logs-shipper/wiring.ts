import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, xrayTracer } from '#lib/trace';
import type { ShipperConfig } from './config.ts';
import { esLogIndex } from './es-log-index.ts';
import { installIndexTemplate } from './index-template.ts';
import { createLogsShipper } from './shipper.ts';
import { sqsDeadLetters } from './sqs-dead-letters.ts';

/**
 * The logs-shipper's cold-start wiring. The index template is installed before the first delivery
 * is shipped (one GET when it is current); if that fails the invocation fails and Lambda retries
 * it, rather than letting the day's index be created by dynamic mapping.
 */
export function wireLogsShipper(config: ShipperConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'logs-shipper',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const elasticsearch = createElasticsearchClient(config);
  const sqs = tracer.captureClient(new SQSClient(awsClientConfig(config)));
  const ship = createLogsShipper({
    index: esLogIndex(elasticsearch),
    deadLetters: sqsDeadLetters(sqs, config.LOGS_DEAD_LETTER_QUEUE_URL),
    log,
    indexPrefix: config.LOGS_INDEX_PREFIX,
    maxPayloadBytes: config.LOGS_MAX_PAYLOAD_BYTES,
    retry: {
      maxAttempts: config.LOGS_MAX_ATTEMPTS,
      baseDelayMs: config.LOGS_RETRY_BASE_MS,
      maxDelayMs: 5000,
    },
  });
  let templateReady: Promise<unknown> | undefined;
  const ensureTemplate = () => {
    templateReady ??= installIndexTemplate(elasticsearch, config.LOGS_INDEX_PREFIX).catch(
      (error: unknown) => {
        templateReady = undefined;
        throw error;
      },
    );
    return templateReady;
  };
  return {
    log,
    handle: async (event: unknown) => {
      await ensureTemplate();
      return ship(event);
    },
    async close() {
      sqs.destroy();
      await elasticsearch.close();
    },
  };
}
