import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import { loadMediaInspectorConfig } from '#services/catalog/media-inspector/config';
import { wireMediaInspector } from '#services/catalog/media-inspector/wiring';
import { loadUsageArchiverConfig } from '#services/metrics/usage-archiver/config';
import { wireUsageArchiver } from '#services/metrics/usage-archiver/wiring';
import { wireUsageCompactor } from '#services/metrics/usage-compactor/wiring';
import { loadPerformancesConfig } from '#services/performances/config';
import { wirePerformances } from '#services/performances/wiring';
import { loadPitchMailerConfig } from '#services/playlists/config';
import { wirePitchMailer } from '#services/playlists/pitch-mailer/wiring';
import { wireCacheInvalidator } from '#services/sync/cache-invalidator/wiring';
import { PUBLISH_BATCH_SIZE, wireChangePublisher } from '#services/sync/change-publisher/wiring';
import {
  loadDlqMonitorConfig,
  loadIndexerConfig,
  loadInvalidatorConfig,
  loadPublisherConfig,
} from '#services/sync/config';
import { sqsQueueDepth } from '#services/sync/dlq-monitor/monitor';
import { wireDlqMonitor } from '#services/sync/dlq-monitor/wiring';
import { wireSearchIndexer } from '#services/sync/search-indexer/wiring';
import { MEDIA_INSPECTOR_VISIBILITY_SECONDS } from './aws-resources.ts';
import { startOutboxListener } from './outbox-listener.ts';
import { startSqsPoller } from './sqs-poller.ts';
import { localTracer } from './xray.ts';

export interface LocalSyncOptions {
  /**
   * The local deployables' environment, with the URL and ARN of each consumed queue
   * (SEARCH_INDEXER_QUEUE_URL, …_ARN; CACHE_INVALIDATOR_QUEUE_…; PERFORMANCES_QUEUE_…;
   * MEDIA_INSPECTOR_QUEUE_…; USAGE_ARCHIVER_QUEUE_…), as
   * scripts/local/bootstrap.ts sets them.
   */
  env: Record<string, string | undefined>;
  /** How often the sweeper runs; its age bound is OUTBOX_SWEEP_MIN_AGE_MS. */
  sweepEveryMs?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * The change chain's Lambdas, run locally as AWS runs them: the publisher woken by the outbox
 * trigger, the sweeper on a timer, and the consumers (search indexer, cache invalidator, performance
 * recorder) fed by their SQS queues, and the dead-letter queue monitor once a minute.
 */
export async function startLocalSync(options: LocalSyncOptions): Promise<{ stop(): Promise<void> }> {
  const publisherConfig = loadPublisherConfig(options.env);
  const tracer = localTracer(options.env);
  const publisher = wireChangePublisher(publisherConfig, tracer);
  const indexer = wireSearchIndexer(loadIndexerConfig(options.env), tracer);
  const invalidator = wireCacheInvalidator(loadInvalidatorConfig(options.env), tracer);
  const dlqMonitor = wireDlqMonitor(loadDlqMonitorConfig(options.env), tracer);
  const performances = wirePerformances(loadPerformancesConfig(options.env), tracer);
  const mediaInspector = wireMediaInspector(loadMediaInspectorConfig(options.env), tracer);
  const usageArchiver = wireUsageArchiver(loadUsageArchiverConfig(options.env), tracer);
  const usageCompactor = wireUsageCompactor(loadUsageArchiverConfig(options.env), tracer);
  const pitchMailer = wirePitchMailer(loadPitchMailerConfig(options.env), tracer);
  await indexer.index.ensureReady();
  const report = (what: string) => (error: unknown) =>
    publisher.log.error(`${what} failed`, error instanceof Error ? error : new Error(String(error)));
  if (publisherConfig.DB_DRIVER !== 'pg') throw new Error('the local outbox listener needs DB_DRIVER=pg');
  const sqs = new SQSClient(awsClientConfig(publisherConfig));
  const queueUrl = queueSetting(options.env, 'SEARCH_INDEXER_QUEUE_URL');
  const invalidatorQueueUrl = queueSetting(options.env, 'CACHE_INVALIDATOR_QUEUE_URL');
  /**
   * moto slows down sharply as a queue fills (measured: 7 ms per message sent to an empty queue,
   * 75 ms at 2,000 messages), so locally the publisher sends a batch only while the queues are
   * shallow. On AWS the publisher never waits.
   */
  let stopping = false;
  const pacedPublish = async (publishOptions: { minAgeMs?: number } = {}) => {
    let published = PUBLISH_BATCH_SIZE;
    while (!stopping && published === PUBLISH_BATCH_SIZE) {
      if (!(await waitForRoom(sqs, [queueUrl, invalidatorQueueUrl], () => stopping))) return;
      published = await publisher.publish({ ...publishOptions, maxBatches: 1 });
    }
  };
  const listener = await startOutboxListener({
    databaseUrl: publisherConfig.DATABASE_URL,
    drain: () => pacedPublish(),
    onError: report('change-publisher'),
  });
  // One sweep at a time: a sweep waiting for room must not be joined by another every interval
  // (they would pile up, each polling moto, and publish far past the room when it came).
  let sweep: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    if (sweep) return;
    sweep = pacedPublish({ minAgeMs: publisherConfig.OUTBOX_SWEEP_MIN_AGE_MS })
      .catch(report('outbox-sweeper'))
      .finally(() => {
        sweep = undefined;
      });
  }, options.sweepEveryMs ?? 5000);
  // Scheduled every minute on AWS, as here: the dead-letter queues' depths for Kibana.
  const dlqSampler = setInterval(() => {
    dlqMonitor.sample().catch(report('dlq-monitor'));
  }, 60_000);
  // Daily on AWS; hourly here, so a stack left running compacts its past days too.
  const compaction = setInterval(() => {
    usageCompactor.handle().catch(report('usage-compactor'));
  }, 3_600_000);
  const poll = (
    queue: string,
    handler: Parameters<typeof startSqsPoller>[0]['handler'],
    name: string,
    {
      visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30,
      concurrency = 1,
    }: { visibilityTimeoutSeconds?: number; concurrency?: number } = {},
  ) =>
    startSqsPoller({
      sqs,
      queueUrl: queueSetting(options.env, `${queue}_URL`),
      queueArn: queueSetting(options.env, `${queue}_ARN`),
      region: publisherConfig.AWS_REGION,
      handler,
      visibilityTimeoutSeconds,
      concurrency,
      onError: report(`${name} poller`),
    });
  const pollers = [
    // Each indexer batch answers once Elasticsearch's next refresh (every second) has made it
    // searchable: one batch at a time, a write made meanwhile would wait for two refreshes. The
    // invalidator takes every change, and the publisher waits while its queue is deep: one batch at
    // a time, it held a burst of changes back.
    poll('SEARCH_INDEXER_QUEUE', indexer.handle, 'search-indexer', { concurrency: CHAIN_BATCHES_AT_ONCE }),
    poll('CACHE_INVALIDATOR_QUEUE', invalidator.handle, 'cache-invalidator', {
      concurrency: CHAIN_BATCHES_AT_ONCE,
    }),
    poll('PERFORMANCES_QUEUE', performances.recorder, 'performances'),
    // Fed by the media bucket's ObjectCreated events, not by the change chain.
    poll('MEDIA_INSPECTOR_QUEUE', mediaInspector.handle, 'media-inspector', {
      visibilityTimeoutSeconds: MEDIA_INSPECTOR_VISIBILITY_SECONDS,
    }),
    // Fed by the `usage` topic and the karaoke log entries of `changes`.
    poll('USAGE_ARCHIVER_QUEUE', usageArchiver.handle, 'usage-archiver', { visibilityTimeoutSeconds: 60 }),
    // Pitch e-mails that failed when the pitch was sent.
    poll('PITCH_MAIL_QUEUE', pitchMailer.handle, 'pitch-mailer', { visibilityTimeoutSeconds: 60 }),
  ];
  return {
    async stop() {
      // Rows left unpublished stay in the outbox for the next start (or the sweeper).
      stopping = true;
      clearInterval(sweeper);
      clearInterval(dlqSampler);
      clearInterval(compaction);
      // A sweep under way finishes first: it would otherwise call moto and PostgreSQL after they stop.
      await Promise.allSettled([sweep, listener.stop(), ...pollers.map((poller) => poller.stop())]);
      sqs.destroy();
      await Promise.allSettled([
        publisher.close(),
        indexer.close(),
        invalidator.close(),
        performances.close(),
        mediaInspector.close(),
        usageArchiver.close(),
        usageCompactor.close(),
        pitchMailer.close(),
        dlqMonitor.close(),
      ]);
    },
  };
}

/**
 * Batches in flight at once for the search indexer and the cache invalidator locally: as many as
 * Lambda's SQS event source starts with.
 */
const CHAIN_BATCHES_AT_ONCE = 5;

/** Messages a local queue may hold before the publisher waits for the consumers to catch up. */
const LOCAL_QUEUE_ROOM = 300;

/** Resolves true once every queue has room, or false when `stopped` says to give up. */
async function waitForRoom(sqs: SQSClient, queueUrls: string[], stopped: () => boolean): Promise<boolean> {
  while (!stopped()) {
    const depths = await Promise.all(queueUrls.map(sqsQueueDepth(sqs)));
    if (depths.every((depth) => depth < LOCAL_QUEUE_ROOM)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

function queueSetting(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set (scripts/local/bootstrap.ts sets it)`);
  return value;
}
