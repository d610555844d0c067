import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { loadDlqMonitorConfig } from '../../services/sync/config.ts';
import { sampleDeadLetterQueues, sqsQueueDepth } from '../../services/sync/dlq-monitor/monitor.ts';
import { wireDlqMonitor } from '../../services/sync/dlq-monitor/wiring.ts';

const prefix = `it-dlq-${randomBytes(4).toString('hex')}`;
let sqs: SQSClient;
let holding: string;
let empty: string;

beforeAll(async () => {
  sqs = new SQSClient(
    awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') }),
  );
  const create = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}` }))).QueueUrl as string;
  holding = await create('search-indexer-dlq');
  empty = await create('cache-invalidator-dlq');
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: holding,
      Entries: [1, 2, 3].map((n) => ({ Id: `m${n}`, MessageBody: JSON.stringify({ n }) })),
    }),
  );
});

afterAll(async () => {
  for (const QueueUrl of [holding, empty]) await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  sqs.destroy();
});

function recordingLog() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, fields: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('dead-letter queue monitor on SQS (moto)', () => {
  it('reads the depth of each queue and logs it for the DLQ-depth panel', async () => {
    const log = recordingLog();
    const sample = await sampleDeadLetterQueues(sqsQueueDepth(sqs), [holding, empty], log);
    expect(sample.sampled).toEqual([
      { queue: `${prefix}-search-indexer-dlq`, depth: 3 },
      { queue: `${prefix}-cache-invalidator-dlq`, depth: 0 },
    ]);
    expect(log.lines.map((line) => [line.level, line.fields['queue.dlq_depth']])).toEqual([
      ['warn', 3],
      ['info', 0],
    ]);
  });

  it('reports a queue that does not exist and still samples the others', async () => {
    const log = recordingLog();
    const missing = holding.replace('search-indexer-dlq', 'no-such-dlq');
    const sample = await sampleDeadLetterQueues(sqsQueueDepth(sqs), [missing, holding], log);
    expect(sample).toEqual({
      sampled: [{ queue: `${prefix}-search-indexer-dlq`, depth: 3 }],
      failed: [`${prefix}-no-such-dlq`],
    });
    expect(log.lines[0]?.level).toBe('error');
  });

  it('runs as wired for Lambda, from its configuration', async () => {
    const monitor = wireDlqMonitor(
      loadDlqMonitorConfig({
        STAGE: 'test',
        LOG_LEVEL: 'SILENT',
        AWS_REGION: LOCAL_REGION,
        AWS_ENDPOINT_URL: inject('awsEndpointUrl'),
        DLQ_URLS: `${holding},${empty}`,
      }),
    );
    try {
      expect((await monitor.sample()).sampled.map(({ depth }) => depth)).toEqual([3, 0]);
    } finally {
      monitor.close();
    }
  });
});
