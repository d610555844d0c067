import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#lib/actor';
import { DatabaseError } from '#lib/errors';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { startOutboxListener } from '#scripts/local/outbox-listener';
import { startSqsPoller } from '#scripts/local/sqs-poller';
import { createPerformancesApp } from '#services/performances/app';
import type { PerformancesPage } from '#services/performances/contract';
import { createPerformanceRecorder } from '#services/performances/recorder';
import { pgPerformanceStore } from '#services/performances/repo';
import { createPerformancesService } from '#services/performances/service';
import { pgRotationStore } from '#services/rotations/repo';
import { createRotationsService, type RotationsService } from '#services/rotations/service';
import { publishPending } from '#services/sync/outbox';
import { actorTokenHeaders, testCallers } from '#test/support/actor-tokens';
import { createSyncFixture, eventually, quietLog, type SyncFixture } from '../support/sync-fixture.ts';

let fx: SyncFixture;
let rotations: RotationsService;
const running: Array<{ stop(): Promise<void> }> = [];

const person = (...roles: string[]): Actor => ({ id: randomUUID(), roles });
const song = (title: string) => ({
  songId: randomUUID(),
  title,
  artist: 'Chain Artist',
  durationMs: 200_000,
  keyChange: 0,
});
const performancesService = () => createPerformancesService({ performances: pgPerformanceStore(fx.db) });

beforeAll(async () => {
  fx = await createSyncFixture();
  rotations = createRotationsService({
    store: pgRotationStore(fx.db),
    timing: { defaultDurationMs: 210_000, changeoverMs: 60_000 },
  });
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((part) => part.stop()));
  await fx.close();
});

/** A night where `singer` sings `titles` in turn (with one other singer between), all finished. */
async function nightOf(kj: Actor, singer: Actor, titles: string[]) {
  const night = await rotations.open(kj, {
    name: 'Chain night',
    fairness: 'fair',
    maxQueuedPerSinger: null,
    publicDisplay: false,
  });
  for (const title of titles) await rotations.request(night.id, singer, { ...song(title), stageName: 'Ada' });
  await rotations.request(night.id, person('singer'), { ...song('Other'), stageName: 'Other' });
  for (let turn = 0; turn <= titles.length + 1; turn++) {
    await rotations.act(night.id, kj, { type: 'advance' }).catch(() => undefined);
  }
  return night;
}

const record = (body: string, messageId: string = randomUUID()): SQSRecord =>
  ({
    messageId,
    body,
    receiptHandle: messageId,
    attributes: {},
    messageAttributes: {},
  }) as unknown as SQSRecord;
const performanceMessage = (overrides: Record<string, unknown> = {}) => {
  const eventId = randomUUID();
  return JSON.stringify({
    outboxId: 1,
    entity: 'performance',
    op: 'upsert',
    key: `${eventId}:9`,
    version: 9,
    occurredAt: new Date().toISOString(),
    payload: {
      event_id: eventId,
      seq: 9,
      type: 'PerformanceCompleted',
      data: {
        requestId: randomUUID(),
        singerId: randomUUID(),
        eventId,
        kjId: randomUUID(),
        songId: randomUUID(),
        title: 'Direct',
        artist: 'Direct Artist',
        keyChange: -2,
        startedAt: '2026-11-20T21:00:00.000Z',
        at: '2026-11-20T21:03:30.000Z',
        ...overrides,
      },
    },
  });
};
const performanceCount = async () =>
  (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM performances'))[0]?.n ?? 0;

describe('performances: rotation log → outbox → SNS → SQS performances → history', () => {
  it('records every finished turn once and notifies each new next-up singer once', async () => {
    const recorder = createPerformanceRecorder({ performances: performancesService(), log: quietLog });
    const queue = fx.resources.queues.performances;
    running.push(
      await startOutboxListener({
        databaseUrl: fx.databaseUrl,
        drain: () => publishPending(fx.db, fx.publisher, { batchSize: 100 }),
        onError: () => {},
      }),
      startSqsPoller({
        sqs: fx.sqs,
        queueUrl: queue.url,
        queueArn: queue.arn,
        region: LOCAL_REGION,
        handler: recorder,
        visibilityTimeoutSeconds: 2,
      }),
    );
    const kj = person('kj');
    const ada = person('singer');
    const night = await nightOf(kj, ada, ['First', 'Second']);

    const app = createPerformancesApp({
      performances: performancesService(),
      log: quietLog,
      callers: testCallers,
    });
    const history = async (viewer: Actor, query = '') =>
      app.request(`/internal/performances/singers/${ada.id}/performances${query}`, {
        headers: await actorTokenHeaders('performances', viewer),
      });
    const own = await eventually(async () => {
      const page = (await (await history(ada)).json()) as PerformancesPage;
      expect(page.items.map((item) => item.title)).toEqual(['Second', 'First']);
      return page;
    }, 20_000);
    expect(own.items[0]).toMatchObject({ eventId: night.id, singerId: ada.id, artist: 'Chain Artist' });

    const firstPage = (await (await history(ada, '?limit=1')).json()) as PerformancesPage;
    expect(firstPage.items.map((item) => item.title)).toEqual(['Second']);
    const nextPage = (await (
      await history(ada, `?limit=1&cursor=${firstPage.cursor}`)
    ).json()) as PerformancesPage;
    expect(nextPage.items.map((item) => item.title)).toEqual(['First']);
    expect(nextPage.cursor).toBeNull();

    expect(((await (await history(kj)).json()) as PerformancesPage).items).toHaveLength(2);
    expect(((await (await history(person('kj'))).json()) as PerformancesPage).items).toEqual([]);
    expect((await history(person('singer'))).status).toBe(403);
    expect((await history(ada, '?cursor=not-a-cursor')).status).toBe(400);

    const logged = await fx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM rotation_events WHERE event_id = CAST(:id AS uuid) AND type = 'SingerUpNext'`,
      { id: night.id },
    );
    expect(logged[0]?.n).toBeGreaterThan(0);
    const notifications = await drainNotifications(logged[0]?.n ?? 0);
    expect(notifications.length).toBe(logged[0]?.n);
    for (const notification of notifications) {
      expect(notification).toMatchObject({ type: 'up-next', eventId: night.id });
      expect(Date.parse(String(notification.estimatedStartAt))).not.toBeNaN();
    }
    expect(new Set(notifications.map((n) => n.notificationId)).size).toBe(notifications.length);
  });

  /** Reads the notifications topic's local subscriber queue until `expected` messages came. */
  async function drainNotifications(expected: number) {
    const seen: Array<Record<string, unknown>> = [];
    await eventually(async () => {
      const { Messages = [] } = await fx.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: fx.resources.notificationsOutbox.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const message of Messages) {
        seen.push(JSON.parse(message.Body ?? '{}'));
        await fx.sqs.send(
          new DeleteMessageCommand({
            QueueUrl: fx.resources.notificationsOutbox.url,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
      }
      expect(seen.length).toBeGreaterThanOrEqual(expected);
    }, 20_000);
    return seen;
  }
});

describe('performance recorder: duplicates, reordering, bad messages, faults', () => {
  const handle = (records: SQSRecord[]) =>
    createPerformanceRecorder({ performances: performancesService(), log: quietLog })({
      Records: records,
    } as SQSEvent);

  it('writes a performance delivered twice, or redelivered after a later one, exactly once', async () => {
    const before = await performanceCount();
    const first = performanceMessage();
    const second = performanceMessage();
    expect(await handle([record(first), record(second), record(first)])).toEqual({ batchItemFailures: [] });
    expect(await handle([record(second), record(first)])).toEqual({ batchItemFailures: [] });
    expect(await performanceCount()).toBe(before + 2);
  });

  it('reports malformed, foreign and hostile messages for the DLQ and keeps the good ones of the batch', async () => {
    const before = await performanceCount();
    const bad = [
      record('not json', 'not-json'),
      record(JSON.stringify({ entity: 'performance' }), 'no-envelope'),
      record(performanceMessage({ requestId: "1'; DROP TABLE performances; --" }), 'sql-in-id'),
      record(performanceMessage({ title: 'x'.repeat(100_000) }), 'oversized-title'),
      record(performanceMessage({ keyChange: 99 }), 'key-change'),
      record(performanceMessage().replace('"entity":"performance"', '"entity":"song"'), 'foreign-entity'),
    ];
    const good = record(performanceMessage(), 'good');
    const result = await handle([...bad, good]);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      bad.map((item) => item.messageId).sort(),
    );
    expect(await performanceCount()).toBe(before + 1);
  });

  it('reports every message when the database fails, so SQS retries them all', async () => {
    let writesRefused = 0;
    const failing = createPerformanceRecorder({
      performances: {
        list: () => Promise.reject(new Error('not used')),
        record: () => {
          writesRefused++;
          return Promise.reject(new DatabaseError('connection refused'));
        },
      },
      log: quietLog,
    });
    const records = [record(performanceMessage(), 'a'), record(performanceMessage(), 'b')];
    const result = await failing({ Records: records } as SQSEvent);
    // Both messages were good and met the failing database; that, not their content, failed them.
    expect(writesRefused).toBe(2);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['a', 'b']);
  });
});
