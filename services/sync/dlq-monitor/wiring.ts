import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import { createLogger } from '#lib/log';
import { type Tracer, xrayTracer } from '#lib/trace';
import type { DlqMonitorConfig } from '../config.ts';
import { sampleDeadLetterQueues, sqsQueueDepth } from './monitor.ts';

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
