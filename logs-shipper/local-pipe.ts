/**
 * Feeds the local stack's own log lines to the logs-shipper, as a CloudWatch Logs subscription
 * would on AWS: lines are batched, gzipped and base64-encoded into real subscription events.
 *
 *   npm start 2>&1 | npx tsx logs-shipper/local-pipe.ts
 *
 * Every line is passed through to stdout unchanged. ELASTICSEARCH_URL and AWS_ENDPOINT_URL, when
 * set, point it at another Elasticsearch and moto instead of the running `npm start`. The shipper writes to the stack's
 * Elasticsearch (index template installed on the first batch) and dead-letters to a moto queue.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import { runningLocalStack, type StackFile } from '#scripts/local/stack-file';
import { loadShipperConfig } from './config.ts';
import type { CloudWatchLogEvent } from './decode.ts';
import { encodeSubscriptionEvent } from './decode.ts';
import { wireLogsShipper } from './wiring.ts';

const FLUSH_EVERY_MS = 2000;
const MAX_BATCH = 500;
const STACK_WAIT_MS = 10 * 60_000;

/**
 * The pipe starts with `npm start`, before the stack is up: wait for it to say where it is.
 * With ELASTICSEARCH_URL and AWS_ENDPOINT_URL set, ship to those instead.
 */
async function waitForStack(): Promise<StackFile['env']> {
  if (process.env.ELASTICSEARCH_URL && process.env.AWS_ENDPOINT_URL) {
    return { STAGE: 'local', AWS_REGION: 'us-east-1', ...process.env } as StackFile['env'];
  }
  const deadline = Date.now() + STACK_WAIT_MS;
  for (;;) {
    try {
      return runningLocalStack().env;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function main(): Promise<void> {
  // Ctrl-C reaches both ends of the pipe; this end keeps reading until the stack has stopped and
  // closed its output, so its last lines are shipped too.
  process.on('SIGINT', () => {});
  const pending: CloudWatchLogEvent[] = [];
  let sequence = 0;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (line.trim().length === 0) return;
    // CloudWatch event ids are 56-digit strings, unique per event.
    const id = `${Date.now()}${String(++sequence).padStart(12, '0')}`.padEnd(56, '0');
    pending.push({ id, timestamp: Date.now(), message: line });
  });
  const closed = new Promise<void>((resolve) => lines.once('close', resolve));

  const env = await waitForStack();
  const sqs = new SQSClient(
    awsClientConfig({ AWS_REGION: env.AWS_REGION ?? '', AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL }),
  );
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'karaoke-suite-local-logs-dead-letter' }),
  );
  sqs.destroy();
  const shipper = wireLogsShipper(loadShipperConfig({ ...env, LOGS_DEAD_LETTER_QUEUE_URL: QueueUrl }));
  const logStream = `local/${new Date().toISOString().slice(0, 10)}/${randomBytes(4).toString('hex')}`;

  const flush = async () => {
    while (pending.length > 0) {
      const logEvents = pending.splice(0, MAX_BATCH);
      const delivery = encodeSubscriptionEvent({
        messageType: 'DATA_MESSAGE',
        owner: 'local',
        logGroup: '/karaoke-suite/local',
        logStream,
        subscriptionFilters: ['local-pipe'],
        logEvents,
      });
      // Kept for the next flush if this one fails: the event ids make a second shipment harmless.
      const report = await shipper.handle(delivery).catch((error: unknown) => {
        pending.unshift(...logEvents);
        throw error;
      });
      if (report.deadLettered > 0) {
        process.stderr.write(`logs-shipper: ${report.deadLettered} event(s) dead-lettered to ${QueueUrl}\n`);
      }
    }
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, FLUSH_EVERY_MS));
      await flush().catch((error: unknown) => {
        process.stderr.write(`logs-shipper: ${(error as Error).message}; will retry\n`);
      });
    }
  })();
  await closed;
  stopped = true;
  await loop;
  await flush();
  await shipper.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
