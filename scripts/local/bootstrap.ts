import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pgDb } from '#lib/db/pg';
import { readMigrations, runMigrations } from '#lib/migrate';
import { REPO_ROOT, type StackUrls } from '#test/support/stack';
import { ensureLocalAwsResources, type LocalAwsResources, localCredentials } from './aws-resources.ts';

export const LOCAL_REGION = 'us-east-1';
export const MIGRATIONS_DIR = join(REPO_ROOT, 'services', 'migrations');

export interface LocalBootstrap {
  resources: LocalAwsResources;
  /** The environment every deployable gets locally: the same variables Lambda gets on AWS. */
  env: Record<string, string>;
}

/** Applies migrations and creates the AWS resources, then says how each deployable reaches them. */
export async function bootstrapLocal(urls: StackUrls, log: (line: string) => void): Promise<LocalBootstrap> {
  const db = pgDb({ connectionString: urls.databaseUrl, maxConnections: 2 });
  try {
    await runMigrations(db, readMigrations(MIGRATIONS_DIR), log);
  } finally {
    await db.close();
  }
  const resources = await ensureLocalAwsResources({ endpoint: urls.awsEndpointUrl, region: LOCAL_REGION });
  // The BFF signs actor tokens with the private key; the services hold only the public one.
  const actorTokenKeys = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    resources,
    env: {
      STAGE: 'local',
      AWS_REGION: LOCAL_REGION,
      AWS_ENDPOINT_URL: urls.awsEndpointUrl,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      DB_DRIVER: 'pg',
      DATABASE_URL: urls.databaseUrl,
      REDIS_URL: urls.redisUrl,
      ELASTICSEARCH_URL: urls.elasticsearchUrl,
      CHANGES_TOPIC_ARN: resources.changesTopicArn,
      NOTIFICATIONS_TOPIC_ARN: resources.notificationsTopicArn,
      MEDIA_BUCKET: resources.mediaBucket,
      MEDIA_INSPECTOR_QUEUE_URL: resources.mediaInspectorQueue.url,
      MEDIA_INSPECTOR_QUEUE_ARN: resources.mediaInspectorQueue.arn,
      SEARCH_INDEXER_QUEUE_URL: resources.queues['search-indexer'].url,
      SEARCH_INDEXER_QUEUE_ARN: resources.queues['search-indexer'].arn,
      CACHE_INVALIDATOR_QUEUE_URL: resources.queues['cache-invalidator'].url,
      CACHE_INVALIDATOR_QUEUE_ARN: resources.queues['cache-invalidator'].arn,
      PERFORMANCES_QUEUE_URL: resources.queues.performances.url,
      PERFORMANCES_QUEUE_ARN: resources.queues.performances.arn,
      NOTIFICATIONS_OUTBOX_QUEUE_URL: resources.notificationsOutbox.url,
      USAGE_TOPIC_ARN: resources.usageTopicArn,
      USAGE_FLUSH: 'background',
      USAGE_ARCHIVER_QUEUE_URL: resources.usageArchiverQueue.url,
      USAGE_ARCHIVER_QUEUE_ARN: resources.usageArchiverQueue.arn,
      LAKE_BUCKET: resources.lakeBucket,
      // Pitch e-mails: sent through moto's SES (read them at <AWS_ENDPOINT_URL>/moto-api/data.json,
      // ses.Message); links point at the local server (scripts/local/server.ts sets PUBLIC_BASE_URL).
      PITCH_MAIL_FROM: resources.pitchMailSender,
      PITCH_MAIL_KEY: randomBytes(32).toString('base64'),
      PITCH_MAIL_QUEUE_URL: resources.pitchMailQueue.url,
      PITCH_MAIL_QUEUE_ARN: resources.pitchMailQueue.arn,
      PITCH_MAIL_RETRY_DELAY_SECONDS: '2',
      USAGE_RECIPIENT_KEY: randomBytes(32).toString('base64url'),
      PITCH_COOKIE_KEY: randomBytes(32).toString('base64url'),
      // Every local client (browser, tests, the bench) comes from 127.0.0.1 and shares one bucket.
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
      RATE_LIMIT_USER_PER_MINUTE: '10000000',
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '10000000',
      DLQ_URLS: [
        ...Object.values(resources.queues),
        resources.mediaInspectorQueue,
        resources.usageArchiverQueue,
        resources.pitchMailQueue,
      ]
        .map((queue) => queue.deadLetterUrl)
        .join(','),
      MONITORED_QUEUE_URLS: [
        ...Object.values(resources.queues),
        resources.mediaInspectorQueue,
        resources.usageArchiverQueue,
        resources.pitchMailQueue,
      ]
        .flatMap((queue) => [queue.url, queue.deadLetterUrl])
        .join(','),
      // The BFF's client at the local OpenID provider, which the local server starts with these
      // values; the issuer and the public URL follow from the server's port (scripts/local/server.ts).
      OIDC_CLIENT_ID: 'karaoke-bff',
      OIDC_CLIENT_SECRET: randomBytes(24).toString('base64url'),
      OIDC_AUDIENCE: 'karaoke-api',
      ACTOR_TOKEN_SIGNING_KEY: actorTokenKeys.privateKey,
      ACTOR_TOKEN_VERIFY_KEYS: actorTokenKeys.publicKey,
      // New on every start, like the local provider's signing key: sessions do not outlive a restart.
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    },
  };
}
