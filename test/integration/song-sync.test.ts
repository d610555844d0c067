import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '#lib/errors';
import type { CreateSong } from '#services/catalog/contract';
import type { SongIndex } from '#services/catalog/search/port';
import type { ChangeMessage } from '#services/sync/changes';
import { type ChangePublisher, publishPending } from '#services/sync/outbox';
import { createSearchIndexer } from '#services/sync/search-indexer/indexer';
import {
  type ChainOptions,
  createSyncFixture,
  eventually,
  indexDrift,
  quietLog,
  type SyncFixture,
  startFixtureChain,
} from '../support/sync-fixture.ts';

let fx: SyncFixture;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fx = await createSyncFixture();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((part) => part.stop()));
});

afterAll(async () => {
  await fx.close();
});

/**
 * Index wrapper that can be switched off, as Elasticsearch being down looks to the indexer. It
 * counts, per song, the changes it turned away while down, so a test can see the outage was met.
 */
function switchableIndex(index: SongIndex) {
  let down = false;
  const refusals = new Map<string, number>();
  const wrapped: SongIndex = {
    ...index,
    apply: async (changes) => {
      if (down) {
        for (const change of changes) {
          const id = change.op === 'upsert' ? change.song.id : change.id;
          refusals.set(id, (refusals.get(id) ?? 0) + 1);
        }
        throw new DependencyError('connect ECONNREFUSED (injected)');
      }
      return index.apply(changes);
    },
  };
  return { index: wrapped, setDown: (value: boolean) => (down = value), refusals };
}

const outboxIdOf = (body: string) => Number((JSON.parse(body) as Partial<ChangeMessage>).outboxId);

/**
 * Wraps the indexer to note the outbox id of every change it handled without reporting a failure,
 * in order, so a test can see which deliveries (first, repeated) really reached it.
 */
function handledChanges() {
  const handled: number[] = [];
  const wrapper: NonNullable<ChainOptions['handlerWrapper']> = (handler) => async (event) => {
    const result = (await handler(event)) as SQSBatchResponse | undefined;
    const failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    for (const record of event.Records) {
      if (!failed.has(record.messageId)) handled.push(outboxIdOf(record.body));
    }
    return result as never;
  };
  return { handled, wrapper };
}

const outboxIdsOf = async (keys: string[]) =>
  (await fx.db.query<{ id: number; key: string }>('SELECT id::int AS id, key FROM outbox ORDER BY id'))
    .filter((row) => keys.includes(row.key))
    .map((row) => row.id);

/** Starts the chain for this file's fixture; stopped after each test. */
const startChain = async (options: ChainOptions = {}) => {
  running.push(await startFixtureChain(fx, options));
};

const song = (title: string, extra: Partial<CreateSong> = {}): CreateSong => ({
  title,
  artist: 'Sync Tester',
  ...extra,
});

const inSync = (timeoutMs = 20_000) =>
  eventually(async () => {
    expect(await indexDrift(fx)).toEqual([]);
  }, timeoutMs);

describe('Aurora → SNS → SQS → Elasticsearch chain', () => {
  it('makes a create, an edit and a delete searchable, in order, with the database version', async () => {
    await startChain({});
    const created = await fx.songs.create(song('Chain Reaction Karaoke'));
    await eventually(async () => {
      const result = await fx.index.search({ q: 'chain reaction karaoke', limit: 5 });
      expect(result.items.map((item) => item.id)).toContain(created.id);
    });
    const edited = await fx.songs.update(created.id, { title: 'Chain Reaction Remix' });
    await eventually(async () =>
      expect(await fx.index.versionOf(created.id)).toEqual({ version: edited?.version, deleted: false }),
    );
    await fx.songs.softDelete(created.id);
    await eventually(async () => {
      const result = await fx.index.search({ q: 'chain reaction', limit: 5 });
      expect(result.items.map((item) => item.id)).not.toContain(created.id);
    });
    await inSync();
  });

  it('publishes nothing for a write that rolled back', async () => {
    const before = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    await expect(
      fx.db.transaction(async (tx) => {
        await tx.execute("INSERT INTO songs (title, artist) VALUES ('Never Committed', 'Ghost')");
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const after = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(after).toEqual(before);
  });

  it('ends equal to PostgreSQL when every change is delivered twice', async () => {
    const deliveries = handledChanges();
    await startChain({ handlerWrapper: deliveries.wrapper });
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push((await fx.songs.create(song(`Twice Told ${n}`))).id);
    await fx.songs.update(ids[0] as string, { genre: 'pop' });
    await fx.songs.softDelete(ids[1] as string);
    await inSync();
    const changes = await outboxIdsOf(ids);
    expect(changes).toHaveLength(7);
    const firstRound = deliveries.handled.length;
    // Mark everything unpublished and drain again: every change reaches the indexer a second time.
    const reset = await fx.db.execute('UPDATE outbox SET published_at = NULL');
    const republished = await publishPending(fx.db, fx.publisher, { batchSize: 100 });
    expect(republished).toBe(reset);
    expect(republished).toBeGreaterThanOrEqual(changes.length);
    // The second deliveries must have reached the indexer before the comparison means anything.
    await eventually(async () => {
      const again = new Set(deliveries.handled.slice(firstRound));
      expect(changes.filter((change) => !again.has(change))).toEqual([]);
    }, 20_000);
    await inSync();
  });

  it('keeps the newest version when changes arrive out of order', async () => {
    const created = await fx.songs.create(song('Out Of Order'));
    const edited = await fx.songs.update(created.id, { title: 'Out Of Order Again' });
    await fx.songs.softDelete(created.id);
    const messages = await fx.db.query<ChangeMessage>(
      `SELECT id AS "outboxId", entity, op, key, version, occurred_at AS "occurredAt", payload
       FROM outbox WHERE key = :key ORDER BY id DESC`,
      { key: created.id },
    );
    expect(messages.map((message) => message.op)).toEqual(['delete', 'upsert', 'upsert']);
    const indexer = createSearchIndexer({ index: fx.index, log: quietLog });
    // Newest first, then the older ones: the tombstone must win for good.
    for (const message of messages) {
      const result = await indexer({
        Records: [
          {
            messageId: String(message.outboxId),
            body: JSON.stringify(message),
          } as SQSEvent['Records'][number],
        ],
      });
      expect(result.batchItemFailures).toEqual([]);
    }
    const [row] = await fx.db.query<{ version: number }>('SELECT version FROM songs WHERE id = :id', {
      id: { sqlType: 'uuid', value: created.id },
    });
    expect(row?.version).toBeGreaterThan(edited?.version ?? 0);
    expect(await fx.index.versionOf(created.id)).toEqual({ version: row?.version, deleted: true });
  });

  it('recovers when the indexer crashes in the middle of a batch', async () => {
    let crashes = 2;
    /** The messages of each batch the indexer died on, and every message it later got through. */
    const diedOn: string[][] = [];
    const handledLater = new Set<string>();
    await startChain({
      handlerWrapper: (handler) => async (event) => {
        if (crashes-- > 0) {
          await handler({ Records: event.Records.slice(0, 1) });
          diedOn.push(event.Records.map((record) => record.messageId));
          throw new Error('indexer process died (injected)');
        }
        const result = (await handler(event)) as never;
        for (const record of event.Records) handledLater.add(record.messageId);
        return result;
      },
    });
    for (let n = 0; n < 6; n++) await fx.songs.create(song(`Crash Course ${n}`));
    await inSync();
    expect(diedOn).toHaveLength(2);
    // Nothing of a batch it died on was acknowledged: SQS delivered all of it again.
    await eventually(async () => expect(diedOn.flat().filter((id) => !handledLater.has(id))).toEqual([]));
  });

  it('loses nothing while Elasticsearch is down for 30 s and catches up when it is back', async () => {
    const faulty = switchableIndex(fx.index);
    faulty.setDown(true);
    // A receive every 10 s: 30 s down costs each message 3–4 of the queue's maxReceiveCount of 5,
    // as the 180 s visibility timeout on AWS (6× the indexer's timeout) spreads 5 receives over 15 min.
    await startChain({ index: faulty.index, visibilityTimeoutSeconds: 10 });
    const created = [];
    for (let n = 0; n < 4; n++) created.push(await fx.songs.create(song(`Outage Survivor ${n}`)));
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    expect(await fx.index.versionOf(created[0]?.id as string)).toBeNull();
    // The outage was met: every song's change was turned away, and delivered again while it lasted.
    expect(created.filter((one) => (faulty.refusals.get(one.id) ?? 0) < 2).map((one) => one.id)).toEqual([]);
    faulty.setDown(false);
    await inSync(30_000);
    const { Attributes } = await fx.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: fx.resources.queues['search-indexer'].deadLetterUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(0);
  }, 90_000);

  it('republishes rows when the publisher fails after SNS accepted them', async () => {
    const crashAfterSend: ChangePublisher = {
      async publish(messages) {
        await fx.publisher.publish(messages);
        throw new Error('crashed before marking the rows (injected)');
      },
    };
    const deliveries = handledChanges();
    await startChain({ listen: false, handlerWrapper: deliveries.wrapper });
    const created = await fx.songs.create(song('Published Twice'));
    await expect(publishPending(fx.db, crashAfterSend, { batchSize: 100 })).rejects.toThrow(/injected/);
    const [pending] = await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND key = :key',
      { key: created.id },
    );
    expect(pending?.n).toBe(1);
    // The sweeper's pass: whatever is still pending goes out again, and the duplicate is harmless.
    expect(await publishPending(fx.db, fx.publisher, { batchSize: 100 })).toBeGreaterThanOrEqual(1);
    // Both publications reached the indexer: the duplicate was really delivered, and was harmless.
    // (A receive the previous test's poller left in flight may hide one for its 10 s visibility.)
    const [change] = await outboxIdsOf([created.id]);
    await eventually(
      async () =>
        expect(deliveries.handled.filter((handled) => handled === change).length).toBeGreaterThanOrEqual(2),
      20_000,
    );
    await inSync();
  });

  it('moves a malformed message to the dead-letter queue without holding up the rest', async () => {
    await startChain({ visibilityTimeoutSeconds: 1 });
    const queue = fx.resources.queues['search-indexer'];
    await fx.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"not": "a change"' }));
    const good = await fx.songs.create(song('Good Neighbour'));
    await eventually(async () => expect(await fx.index.versionOf(good.id)).not.toBeNull());
    await eventually(async () => {
      const { Attributes } = await fx.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.deadLetterUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(1);
    }, 20_000);
  });
});
