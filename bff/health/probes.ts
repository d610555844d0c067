import { once } from 'node:events';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import type { Db } from '#lib/db/port';
import type { ElasticsearchSettings } from '#lib/elasticsearch';

export const DEPENDENCIES = ['postgres', 'redis', 'elasticsearch', 'queues'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** Resolves when the dependency answers; rejects when it does not. */
export type Probe = (signal: AbortSignal) => Promise<void>;

export type Probes = Record<Dependency, Probe>;

export const postgresProbe =
  (db: Db): Probe =>
  async () => {
    await db.query('SELECT 1 AS ok');
  };

export const redisProbe =
  (redis: Redis): Probe =>
  async (signal) => {
    // Commands are not queued while disconnected (a down Redis must not stall requests), so a
    // probe that arrives while the client is still connecting waits for it, within its timeout.
    if (redis.status !== 'ready') await once(redis, 'ready', { signal });
    const answer = await redis.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
  };

/**
 * Asks the cluster's health over plain HTTP: the BFF never searches (the catalog service does), so it
 * does not carry the Elasticsearch client for one GET.
 */
export const elasticsearchProbe =
  (settings: ElasticsearchSettings, fetchFn: typeof fetch = fetch): Probe =>
  async (signal) => {
    const { url, authorization } = healthRequest(settings);
    const answer = await fetchFn(url, { signal, headers: authorization ? { authorization } : {} });
    if (!answer.ok) throw new Error(`cluster health answered ${answer.status}`);
    const health = (await answer.json()) as { status?: string };
    if (health.status === 'red') throw new Error('cluster status red');
  };

/**
 * The cluster-health URL and its credentials: an API key, or the user and password the URL holds
 * (as a deployed ELASTICSEARCH_URL does), moved into a Basic header since fetch refuses a URL that
 * carries credentials.
 */
export function healthRequest(settings: ElasticsearchSettings): { url: URL; authorization?: string } {
  const url = new URL('/_cluster/health', settings.ELASTICSEARCH_URL);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  if (settings.ELASTICSEARCH_API_KEY)
    return { url, authorization: `ApiKey ${settings.ELASTICSEARCH_API_KEY}` };
  if (user || password) {
    return { url, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  }
  return { url };
}

export const queuesProbe =
  (sqs: SQSClient, queueUrls: string[]): Probe =>
  async (signal) => {
    await Promise.all(
      queueUrls.map((QueueUrl) =>
        sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }), {
          abortSignal: signal,
        }),
      ),
    );
  };
