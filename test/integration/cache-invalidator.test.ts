import { randomBytes } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisTagInvalidator, tagGenerationKey } from '#lib/cache-tags';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { messagesHeld, startSqsPoller } from '#scripts/local/sqs-poller';
import { createCacheInvalidator } from '#services/sync/cache-invalidator/invalidator';
import { redisCache } from '../../bff/cache/redis-cache.ts';
import {
  createSyncFixture,
  eventually,
  quietLog,
  type SyncFixture,
  startFixtureChain,
} from '../support/sync-fixture.ts';

let fx: SyncFixture;
let redis: Redis;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fx = await createSyncFixture();
  redis = new Redis(inject('redisUrl'), { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((part) => part.stop()));
});

afterAll(async () => {
  redis.disconnect();
  await fx.close();
});

/**
 * The cache-invalidator Lambda on this file's queue, writing to a private namespace of the test Redis.
 * Returns the bodies of the messages it was handed, in order of arrival.
 */
function startInvalidator(namespace: string) {
  const queue = fx.resources.queues['cache-invalidator'];
  const invalidator = createCacheInvalidator({
    cache: redisTagInvalidator(redis, { namespace }),
    log: quietLog,
  });
  const received: string[] = [];
  running.push(
    startSqsPoller({
      sqs: fx.sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: LOCAL_REGION,
      handler: (event) => {
        received.push(...event.Records.map((record) => record.body));
        return invalidator(event);
      },
      visibilityTimeoutSeconds: 1,
    }),
  );
  return received;
}

const generation = async (namespace: string, tag: string) =>
  Number((await redis.get(tagGenerationKey(namespace, tag))) ?? 0);

const queueDepth = (url: string) => messagesHeld(fx.sqs, url);

const change = (entity: string, key: string, version: number) =>
  JSON.stringify({
    outboxId: version,
    entity,
    op: 'upsert',
    key,
    version,
    occurredAt: new Date().toISOString(),
    payload: {},
  });

describe('cache-invalidator: PostgreSQL → outbox → SNS → SQS → Redis', () => {
  it('makes cached reads of a song and of every search miss after the song changes in the database', async () => {
    const namespace = `inv${randomBytes(4).toString('hex')}:`;
    const cache = redisCache(redis, { log: quietLog, namespace });
    running.push(await startFixtureChain(fx));
    startInvalidator(namespace);

    const song = await fx.songs.create({ title: 'Cache Me If You Can', artist: 'Invalidators' });
    // The creation's own invalidation arrives first; reads cached after it stay until the edit.
    await eventually(async () => expect(await generation(namespace, `song:${song.id}`)).toBe(1));
    const readSong = () =>
      cache.getOrLoad(`song:${song.id}`, [`song:${song.id}`], async () => fx.songs.get(song.id), {
        ttlSeconds: 60,
      });
    const readSearch = () =>
      cache.getOrLoad('songs:search:cache', ['songs:search'], async () => ({ at: Date.now() }), {
        ttlSeconds: 60,
      });
    expect((await readSong()).outcome).toBe('miss');
    expect((await readSong()).outcome).toBe('hit');
    expect((await readSearch()).outcome).toBe('miss');
    expect((await readSearch()).outcome).toBe('hit');

    await fx.songs.update(song.id, { title: 'Cache Me Again' });
    await eventually(async () => {
      const read = await readSong();
      expect(read.value?.title).toBe('Cache Me Again');
    });
    expect((await readSearch()).outcome).toBe('miss');
  });

  it('acknowledges duplicated and reordered deliveries; they cost a miss and nothing else', async () => {
    const namespace = `inv${randomBytes(4).toString('hex')}:`;
    const cache = redisCache(redis, { log: quietLog, namespace });
    const read = () =>
      cache.getOrLoad('me:s-42', ['singer:s-42'], async () => ({ stageName: 'Ace' }), { ttlSeconds: 60 });
    expect((await read()).outcome).toBe('miss');
    expect((await read()).outcome).toBe('hit');
    const received = startInvalidator(namespace);
    const queue = fx.resources.queues['cache-invalidator'];
    await fx.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'newer', MessageBody: change('singer', 's-42', 12) },
          { Id: 'older', MessageBody: change('singer', 's-42', 11) },
          { Id: 'newer-again', MessageBody: change('singer', 's-42', 12) },
        ],
      }),
    );
    await eventually(async () => expect(await queueDepth(queue.url)).toBe(0));
    // All three reached the invalidator: the duplicate and the older version were really delivered.
    const versions = received
      .map((body) => JSON.parse(body) as { key: string; version: number })
      .filter((message) => message.key === 's-42')
      .map((message) => message.version);
    expect(versions.sort()).toEqual([11, 12, 12]);
    // One batch may carry all three: its tags are invalidated once. Either way, never a failure.
    expect(await generation(namespace, 'singer:s-42')).toBeGreaterThanOrEqual(1);
    expect(await queueDepth(queue.deadLetterUrl)).toBe(0);
    expect((await read()).outcome).toBe('miss');
    expect((await read()).outcome).toBe('hit');
  });

  it('moves a malformed message to the dead-letter queue and applies the good ones around it', async () => {
    const namespace = `inv${randomBytes(4).toString('hex')}:`;
    startInvalidator(namespace);
    const queue = fx.resources.queues['cache-invalidator'];
    await fx.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"entity": "song"' }));
    await fx.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: change('playlist', 'p-1', 3) }),
    );
    await eventually(async () => expect(await generation(namespace, 'playlist:p-1')).toBe(1));
    await eventually(async () => expect(await queueDepth(queue.deadLetterUrl)).toBe(1), 20_000);
  });
});
