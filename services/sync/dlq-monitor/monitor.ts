import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** How many messages wait in a queue (SQS's approximate count, which is what CloudWatch shows too). */
export type QueueDepth = (queueUrl: string) => Promise<number>;

export function sqsQueueDepth(sqs: SQSClient): QueueDepth {
  return async (QueueUrl) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const depth = Number(Attributes?.ApproximateNumberOfMessages);
    if (!Number.isInteger(depth)) throw new Error(`${QueueUrl} reported no message count`);
    return depth;
  };
}

/** A queue's name is the last segment of its URL. */
export const queueName = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

/** What the sampler logs with: the service's logger, or a recording one in tests. */
export interface SampleLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export interface DeadLetterSample {
  sampled: Array<{ queue: string; depth: number }>;
  failed: string[];
}

/**
 * Samples each dead-letter queue and logs its depth as `queue.dlq_depth` with `queue.name`: the
 * data behind the Kibana "DLQ depth" panel. A queue holding messages is a warning (a consumer
 * gave up on them; they wait for a person). One queue that cannot be read is logged and the
 * others are still sampled.
 */
export async function sampleDeadLetterQueues(
  depthOf: QueueDepth,
  queueUrls: readonly string[],
  log: SampleLog,
): Promise<DeadLetterSample> {
  const results = await Promise.allSettled(queueUrls.map((url) => depthOf(url)));
  const sample: DeadLetterSample = { sampled: [], failed: [] };
  results.forEach((result, index) => {
    const queue = queueName(queueUrls[index] as string);
    if (result.status === 'rejected') {
      sample.failed.push(queue);
      log.error('dead-letter queue depth could not be read', {
        'queue.name': queue,
        'error.message': result.reason instanceof Error ? result.reason.message : String(result.reason),
      });
      return;
    }
    const depth = result.value;
    sample.sampled.push({ queue, depth });
    const fields = { 'queue.name': queue, 'queue.dlq_depth': depth };
    if (depth > 0) log.warn('dead-letter queue holds messages', fields);
    else log.info('dead-letter queue depth', fields);
  });
  return sample;
}
