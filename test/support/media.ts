import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { REPO_ROOT } from './stack.ts';

export const AUDIO_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'audio');

/** A file of test/fixtures/audio. */
export const audioFixture = (name: string) => new Uint8Array(readFileSync(join(AUDIO_FIXTURES, name)));

/**
 * What the inspector must report for each fixture, within 1 % (test/fixtures/audio/README.md has
 * them beside ffprobe's: the same, but for the M4A's priming samples and ffprobe's estimates).
 */
export const FIXTURE_DURATION_MS: Record<string, number> = {
  'tone.mp3': 3056,
  'tone.m4a': 3046,
  'tone.aac': 3000,
  'tone.wav': 3000,
  'tone.flac': 3000,
  'tone.ogg': 3000,
  'tone.opus': 3000,
};

/** Uploads bytes through a presigned POST, as a browser form would. Answers S3's status. */
export async function postUpload(
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  fileName = 'upload.bin',
): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), fileName);
  const response = await fetch(upload.url, { method: 'POST', body: form });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Receives (and deletes) messages of a queue until `count` arrived or `timeoutMs` passed, as an
 * SQS event a Lambda would get.
 */
export async function receiveRecords(
  sqs: SQSClient,
  queue: { url: string; arn: string },
  count: number,
  timeoutMs = 10_000,
): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
      records.push(sqsRecord(message.MessageId ?? String(records.length), message.Body ?? '', queue.arn));
    }
  }
  return records;
}

export function sqsRecord(messageId: string, body: string, queueArn: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });
