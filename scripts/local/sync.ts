import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import { loadIndexerConfig, loadInvalidatorConfig, loadPublisherConfig } from '#services/sync/config';
import { wireCacheInvalidator, wirePublisher, wireSearchIndexer } from '#services/sync/wiring';
import { startOutboxListener } from './outbox-listener.ts';
import { startSqsPoller } from './sqs-poller.ts';

export interface LocalSyncOptions {
  /**
   * The local deployables' environment, with SEARCH_INDEXER_QUEUE_URL and _ARN and
   * CACHE_INVALIDATOR_QUEUE_URL and _ARN (scripts/local/bootstrap.ts).
   */
  env: Record<string, string | undefined>;
  /** How often the sweeper runs; its age bound is OUTBOX_SWEEP_MIN_AGE_MS. */
  sweepEveryMs?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * The change chain's Lambdas, run locally as AWS runs them: the publisher woken by the outbox
 * trigger, the sweeper on a timer, the search indexer and the cache invalidator fed by their SQS queues.
 */
export async function startLocalSync(options: LocalSyncOptions): Promise<{ stop(): Promise<void> }> {
  const publisherConfig = loadPublisherConfig(options.env);
  const publisher = wirePublisher(publisherConfig);
  const indexer = wireSearchIndexer(loadIndexerConfig(options.env));
  const invalidator = wireCacheInvalidator(loadInvalidatorConfig(options.env));
  await indexer.index.ensureReady();
  const report = (what: string) => (error: unknown) =>
    publisher.log.error(`${what} failed`, error instanceof Error ? error : new Error(String(error)));
  if (publisherConfig.DB_DRIVER !== 'pg') throw new Error('the local outbox listener needs DB_DRIVER=pg');
  const listener = await startOutboxListener({
    databaseUrl: publisherConfig.DATABASE_URL,
    drain: () => publisher.publish(),
    onError: report('change-publisher'),
  });
  const sweeper = setInterval(() => {
    publisher.sweep().catch(report('outbox-sweeper'));
  }, options.sweepEveryMs ?? 5000);
  const sqs = new SQSClient(awsClientConfig(publisherConfig));
  const { SEARCH_INDEXER_QUEUE_URL: queueUrl, SEARCH_INDEXER_QUEUE_ARN: queueArn } = options.env;
  if (!queueUrl || !queueArn)
    throw new Error('SEARCH_INDEXER_QUEUE_URL and SEARCH_INDEXER_QUEUE_ARN must be set');
  const { CACHE_INVALIDATOR_QUEUE_URL: invalidatorQueueUrl, CACHE_INVALIDATOR_QUEUE_ARN: invalidatorQueueArn } =
    options.env;
  if (!invalidatorQueueUrl || !invalidatorQueueArn)
    throw new Error('CACHE_INVALIDATOR_QUEUE_URL and CACHE_INVALIDATOR_QUEUE_ARN must be set');
  const poller = startSqsPoller({
    sqs,
    queueUrl,
    queueArn,
    region: publisherConfig.AWS_REGION,
    handler: indexer.handle,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    onError: report('search-indexer poller'),
  });
  const invalidatorPoller = startSqsPoller({
    sqs,
    queueUrl: invalidatorQueueUrl,
    queueArn: invalidatorQueueArn,
    region: publisherConfig.AWS_REGION,
    handler: invalidator.handle,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    onError: report('cache-invalidator poller'),
  });
  return {
    async stop() {
      clearInterval(sweeper);
      await Promise.allSettled([listener.stop(), poller.stop(), invalidatorPoller.stop()]);
      sqs.destroy();
      await Promise.allSettled([publisher.close(), indexer.close(), invalidator.close()]);
    },
  };
}
