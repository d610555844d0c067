/**
 * Feeds the local stack's own log lines to the logs-shipper, as a CloudWatch Logs subscription
 * would on AWS: lines are batched, gzipped and base64-encoded into real subscription events.
 *
 *   npm start 2>&1 | npx tsx logs-shipper/local-pipe.ts
 *
 * `npm start` ships its own output this way by default; this command is for another process's.
 * Every line is passed through to stdout unchanged. ELASTICSEARCH_URL and AWS_ENDPOINT_URL, when
 * set, point it at another Elasticsearch and moto instead of the running `npm start`. The shipper writes to the stack's
 * Elasticsearch (index template installed on the first batch) and dead-letters to a moto queue.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
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

export interface LocalLogShipping {
  /** Queues one line of output (blank lines are ignored). */
  push(line: string): void;
  /** Ships what is queued, stops the timer and closes the shipper's clients. */
  stop(): Promise<void>;
}

/**
 * Ships lines to the local Elasticsearch through the logs-shipper, as the CloudWatch Logs
 * subscription does on AWS: every 2 s, in deliveries of at most 500 events (`npm start` does this
 * with its own output; this file's command does it with a pipe's).
 */
export async function startLocalLogShipping(
  env: Record<string, string | undefined>,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<LocalLogShipping> {
  const pending: CloudWatchLogEvent[] = [];
  let sequence = 0;
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
        warn(`logs-shipper: ${report.deadLettered} event(s) dead-lettered to ${QueueUrl}`);
      }
    }
  };
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(() =>
      flush().catch((error: unknown) => warn(`logs-shipper: ${(error as Error).message}; will retry`)),
    );
  }, FLUSH_EVERY_MS);
  timer.unref();
  return {
    push(line) {
      if (line.trim().length === 0) return;
      // CloudWatch event ids are 56-digit strings, unique per event.
      const id = `${Date.now()}${String(++sequence).padStart(12, '0')}`.padEnd(56, '0');
      pending.push({ id, timestamp: Date.now(), message: line });
    },
    async stop() {
      clearInterval(timer);
      await flushing;
      await flush().catch((error: unknown) => warn(`logs-shipper: ${(error as Error).message}`));
      await shipper.close();
    },
  };
}

async function main(): Promise<void> {
  // Ctrl-C reaches both ends of the pipe; this end keeps reading until the stack has stopped and
  // closed its output, so its last lines are shipped too.
  process.on('SIGINT', () => {});
  const early: string[] = [];
  let shipping: LocalLogShipping | undefined;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (shipping) shipping.push(line);
    else early.push(line);
  });
  const closed = new Promise<void>((resolve) => lines.once('close', resolve));
  shipping = await startLocalLogShipping(await waitForStack());
  for (const line of early.splice(0)) shipping.push(line);
  await closed;
  await shipping.stop();
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(invokedPath).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
