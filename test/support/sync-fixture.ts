import { randomBytes } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { SQSEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { pgDb } from '#lib/db/pg';
import type { Db } from '#lib/db/port';
import { createLogger } from '#lib/log';
import { readMigrations, runMigrations } from '#lib/migrate';
import { noTracer } from '#lib/trace';
import { ensureLocalAwsResources, type LocalAwsResources } from '#scripts/local/aws-resources';
import { LOCAL_REGION, MIGRATIONS_DIR } from '#scripts/local/bootstrap';
import { startOutboxListener } from '#scripts/local/outbox-listener';
import { startSqsPoller } from '#scripts/local/sqs-poller';
import { s3MediaObjects } from '#services/catalog/media/objects';
import { pgMediaStore } from '#services/catalog/media/repo';
import { mediaS3Client } from '#services/catalog/media/s3';
import { createMediaService, type MediaService } from '#services/catalog/media/service';
import { pgSongStore, type SongStore } from '#services/catalog/repo';
import { esSongIndex } from '#services/catalog/search/es-song-index';
import type { SongIndex } from '#services/catalog/search/port';
import { MEDIA_LINK_TTL_SECONDS, MEDIA_UPLOAD_TTL_SECONDS } from '#services/catalog/wiring';
import { type ChangePublisher, publishPending } from '#services/sync/outbox';
import { createSearchIndexer } from '#services/sync/search-indexer/indexer';
import { snsChangePublisher } from '#services/sync/sns-publisher';
import { createScratchDatabase } from './scratch-db.ts';

export const quietLog = createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' });

/**
 * A private copy of the change chain's resources for one test file: its own database (migrated),
 * SNS topic and SQS queues, and search aliases, on the shared test servers.
 */
export interface SyncFixture {
  /** Prefix of this fixture's AWS resources and search aliases. */
  prefix: string;
  db: Db;
  databaseUrl: string;
  songs: SongStore;
  index: SongIndex;
  resources: LocalAwsResources;
  sqs: SQSClient;
  es: ElasticsearchClient;
  publisher: ReturnType<typeof snsChangePublisher>;
  /** The catalog's media over this fixture's database and its own bucket. */
  media: MediaService;
  close(): Promise<void>;
}

/** The upload limit of fixtures: small, so a test can exceed it. */
export const FIXTURE_MAX_UPLOAD_BYTES = 1024 * 1024;

export async function createSyncFixture(
  urls: { databaseUrl: string; awsEndpointUrl: string; elasticsearchUrl: string } = {
    databaseUrl: inject('databaseUrl'),
    awsEndpointUrl: inject('awsEndpointUrl'),
    elasticsearchUrl: inject('elasticsearchUrl'),
  },
): Promise<SyncFixture> {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const scratch = await createScratchDatabase(urls.databaseUrl);
  const db = pgDb({ connectionString: scratch.url });
  await runMigrations(db, readMigrations(MIGRATIONS_DIR));
  const resources = await ensureLocalAwsResources({
    endpoint: urls.awsEndpointUrl,
    region: LOCAL_REGION,
    prefix,
  });
  const aws = awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: urls.awsEndpointUrl });
  const sqs = new SQSClient(aws);
  const sns = new SNSClient(aws);
  const es = new ElasticsearchClient({ node: urls.elasticsearchUrl });
  const index = esSongIndex(es, { readAlias: `${prefix}songs`, writeAlias: `${prefix}songs-write` });
  await index.ensureReady();
  const s3 = mediaS3Client({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: urls.awsEndpointUrl }, noTracer);
  const songs = pgSongStore(db);
  return {
    prefix,
    db,
    databaseUrl: scratch.url,
    songs,
    media: createMediaService({
      media: pgMediaStore(db),
      songs,
      objects: s3MediaObjects(s3, resources.mediaBucket),
      settings: {
        maxUploadBytes: FIXTURE_MAX_UPLOAD_BYTES,
        uploadTtlSeconds: MEDIA_UPLOAD_TTL_SECONDS,
        linkTtlSeconds: MEDIA_LINK_TTL_SECONDS,
      },
    }),
    index,
    resources,
    sqs,
    es,
    publisher: snsChangePublisher(sns, {
      changes: resources.changesTopicArn,
      notifications: resources.notificationsTopicArn,
    }),
    async close() {
      sqs.destroy();
      sns.destroy();
      s3.destroy();
      await es.close();
      await db.close();
      await scratch.drop();
    },
  };
}

/** Waits until `check` passes, polling; fails with the last assertion error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/**
 * Differences between PostgreSQL and the index: every song row must be in the index at exactly
 * its version, as a tombstone when soft-deleted. Empty when they agree.
 */
export async function indexDrift(fx: Pick<SyncFixture, 'db' | 'es' | 'prefix'>): Promise<string[]> {
  const rows = await fx.db.query<{ id: string; version: number; deleted: boolean }>(
    'SELECT id, version, deleted_at IS NOT NULL AS deleted FROM songs ORDER BY id',
  );
  if (rows.length === 0) return [];
  const { docs } = await fx.es.mget<{ deleted?: boolean }>({
    index: `${fx.prefix}songs`,
    ids: rows.map((row) => row.id),
  });
  const indexed = new Map(
    docs.flatMap((doc) =>
      'found' in doc && doc.found
        ? [[doc._id, { version: doc._version, deleted: doc._source?.deleted === true }]]
        : [],
    ),
  );
  return rows.flatMap((row) => {
    const hit = indexed.get(row.id);
    if (!hit) return [`${row.id}: missing (want v${row.version})`];
    if (hit.version === row.version && hit.deleted === row.deleted) return [];
    return [
      `${row.id}: index v${hit.version}${hit.deleted ? ' deleted' : ''}, db v${row.version}${row.deleted ? ' deleted' : ''}`,
    ];
  });
}

export interface ChainOptions {
  index?: SongIndex;
  publisher?: ChangePublisher;
  visibilityTimeoutSeconds?: number;
  /** Without the listener, only explicit publishPending calls publish. */
  listen?: boolean;
  /** Wraps the indexer, e.g. to make it crash. */
  handlerWrapper?: (handler: (event: SQSEvent) => Promise<unknown>) => (event: SQSEvent) => Promise<never>;
}

/**
 * The change chain on a fixture's resources, as the local stack runs it: the outbox listener
 * publishing to the fixture's topic, and a poller feeding its search-indexer queue to the indexer.
 */
export async function startFixtureChain(
  fx: SyncFixture,
  options: ChainOptions = {},
): Promise<{ stop(): Promise<void> }> {
  const publisher = options.publisher ?? fx.publisher;
  const listener =
    options.listen === false
      ? undefined
      : await startOutboxListener({
          databaseUrl: fx.databaseUrl,
          drain: () => publishPending(fx.db, publisher, { batchSize: 100 }),
          onError: () => {},
        });
  const indexer = createSearchIndexer({ index: options.index ?? fx.index, log: quietLog });
  const queue = fx.resources.queues['search-indexer'];
  const poller = startSqsPoller({
    sqs: fx.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: LOCAL_REGION,
    handler: (options.handlerWrapper?.(indexer) as typeof indexer | undefined) ?? indexer,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
  });
  return {
    async stop() {
      await Promise.all([listener?.stop(), poller.stop()]);
    },
  };
}
