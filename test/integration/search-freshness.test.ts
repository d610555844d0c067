import { randomBytes } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheTags, redisTagInvalidator, tagGenerationKey } from '#lib/cache-tags';
import type { SongSearchResult } from '#services/catalog/search/port';
import type { ChangeMessage } from '#services/sync/changes';
import { createSearchIndexer } from '#services/sync/search-indexer/indexer';
import { redisCache } from '../../bff/cache/redis-cache.ts';
import { createSyncFixture, quietLog, type SyncFixture } from '../support/sync-fixture.ts';

let fx: SyncFixture;
let redis: Redis;

beforeAll(async () => {
  fx = await createSyncFixture();
  redis = new Redis(inject('redisUrl'), { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis.disconnect();
  await fx.close();
});

/** The outbox rows of one song, oldest first, as the change-publisher sends them. */
async function changesOf(id: string): Promise<ChangeMessage[]> {
  return fx.db.query<ChangeMessage>(
    `SELECT id AS "outboxId", entity, op, key, version, occurred_at AS "occurredAt", payload
     FROM outbox WHERE key = :key ORDER BY id`,
    { key: id },
  );
}

const batchOf = (messages: ChangeMessage[]): SQSEvent => ({
  Records: messages.map(
    (message, n) =>
      ({
        messageId: `${message.outboxId}-${n}-${randomBytes(3).toString('hex')}`,
        body: JSON.stringify(message),
      }) as SQSEvent['Records'][number],
  ),
});

/**
 * The BFF's side: its read cache on a private namespace of the test Redis, holding search answers
 * far longer than the BFF does, so only an invalidation can make a new song show up.
 */
function bffSide() {
  const namespace = `fresh-${randomBytes(4).toString('hex')}:`;
  const cache = redisCache(redis, { log: quietLog, namespace, generationTtlMs: 0 });
  const search = (q: string) =>
    cache.getOrLoad<SongSearchResult>(
      `songs:search:${q}`,
      [cacheTags.songSearch],
      () => fx.index.search({ q, limit: 10 }),
      { ttlSeconds: 600 },
    );
  const indexer = createSearchIndexer({
    index: fx.index,
    log: quietLog,
    searchAnswers: redisTagInvalidator(redis, { namespace }),
  });
  const generation = async () => Number(await redis.get(tagGenerationKey(namespace, cacheTags.songSearch)));
  return { search, indexer, generation };
}

describe('search answers after the indexer ran', () => {
  it('a search asked before a song was written finds it as soon as the indexer has run', async () => {
    const { search, indexer } = bffSide();
    const word = `freshword${randomBytes(3).toString('hex')}`;
    expect((await search(word)).value.items).toEqual([]);
    expect((await search(word)).outcome).toBe('hit');

    const created = await fx.songs.create({ title: `${word} Song`, artist: 'Fresh Writers' });
    const result = await indexer(batchOf(await changesOf(created.id)));
    expect(result.batchItemFailures).toEqual([]);

    const after = await search(word);
    expect(after.outcome).toBe('miss');
    expect(after.value.items.map((item) => item.id)).toEqual([created.id]);
  });

  it('a redelivered batch and an older change arriving late still make cached answers stale', async () => {
    const { search, indexer } = bffSide();
    const word = `lateword${randomBytes(3).toString('hex')}`;
    const created = await fx.songs.create({ title: `${word} First`, artist: 'Late Writers' });
    const [first] = await changesOf(created.id);
    expect((await indexer(batchOf([first as ChangeMessage]))).batchItemFailures).toEqual([]);
    await search(word);
    expect((await search(word)).outcome).toBe('hit');

    // The same batch again: every change is already there (stale), yet it may be the delivery
    // after one that stopped before invalidating.
    expect((await indexer(batchOf([first as ChangeMessage]))).batchItemFailures).toEqual([]);
    expect((await search(word)).outcome).toBe('miss');

    // A newer title indexed, then the older change arriving late: the title stays the newer one,
    // and the late batch invalidates too.
    await fx.songs.update(created.id, { title: `${word} Second` });
    const changes = await changesOf(created.id);
    const newest = changes.at(-1) as ChangeMessage;
    expect((await indexer(batchOf([newest]))).batchItemFailures).toEqual([]);
    expect((await search(word)).value.items.map((item) => item.title)).toEqual([`${word} Second`]);
    expect((await search(word)).outcome).toBe('hit');
    expect(
      (await indexer(batchOf([first as ChangeMessage, first as ChangeMessage]))).batchItemFailures,
    ).toEqual([]);
    const late = await search(word);
    expect(late.outcome).toBe('miss');
    expect(late.value.items.map((item) => item.title)).toEqual([`${word} Second`]);
  });

  it('a batch of malformed and hostile records changes nothing and invalidates nothing', async () => {
    const { indexer, generation } = bffSide();
    const before = await generation();
    const hostile = [
      'not json',
      '{}',
      JSON.stringify({ entity: 'song', op: 'upsert', key: '../../etc', version: -1, payload: {} }),
      JSON.stringify({ entity: 'song', op: 'drop', key: 'x', version: 1, payload: { __proto__: { a: 1 } } }),
      'x'.repeat(300_000),
    ];
    const event: SQSEvent = {
      Records: hostile.map((body, n) => ({ messageId: `bad-${n}`, body }) as SQSEvent['Records'][number]),
    };
    const result = await indexer(event);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      hostile.map((_, n) => `bad-${n}`).sort(),
    );
    expect(await generation()).toBe(before);
  });

  it('indexes the batch even when Redis does not answer, so the change is not held up or retried', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => {});
    const indexer = createSearchIndexer({
      index: fx.index,
      log: quietLog,
      searchAnswers: redisTagInvalidator(unreachable),
    });
    const word = `noredis${randomBytes(3).toString('hex')}`;
    const created = await fx.songs.create({ title: `${word} Song`, artist: 'Offline Writers' });
    expect((await indexer(batchOf(await changesOf(created.id)))).batchItemFailures).toEqual([]);
    expect((await fx.index.search({ q: word, limit: 5 })).items.map((item) => item.id)).toEqual([created.id]);
    unreachable.disconnect();
  });
});
