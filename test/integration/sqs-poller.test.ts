import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { messagesHeld, startSqsPoller } from '#scripts/local/sqs-poller';

let sqs: SQSClient;
let queue: { url: string; arn: string };

beforeAll(async () => {
  sqs = new SQSClient(
    awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') }),
  );
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `poller-${randomUUID()}` }));
  if (!QueueUrl) throw new Error('moto returned no queue URL');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  queue = { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
});

afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  sqs.destroy();
});

describe('the local SQS poller', () => {
  it('handles `concurrency` batches at once, as Lambda runs several, and deletes each once handled', async () => {
    const bodies = ['one', 'two', 'three'];
    let inFlight = 0;
    let mostInFlight = 0;
    const handled: string[] = [];
    // Each batch is held until a second one is in flight beside it (or, if none comes, 10 s pass).
    let release: () => void = () => {};
    const secondBatch = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = async (event: SQSEvent) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      if (inFlight === 2) release();
      await Promise.race([secondBatch, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      handled.push(...event.Records.map((record) => record.body));
      inFlight--;
      return { batchItemFailures: [] };
    };
    const poller = startSqsPoller({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: LOCAL_REGION,
      handler,
      batchSize: 1,
      concurrency: 2,
    });
    try {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
      await expect.poll(() => handled.length, { timeout: 20_000 }).toBe(bodies.length);
    } finally {
      await poller.stop();
    }
    expect(mostInFlight).toBe(2);
    expect(handled.sort()).toEqual([...bodies].sort());
    await expect.poll(() => messagesHeld(sqs, queue.url), { timeout: 10_000 }).toBe(0);
  });
});
