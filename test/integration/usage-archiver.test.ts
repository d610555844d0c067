import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchingUsagePublisher } from '#bff/usage/publisher';
import { snsUsageSink } from '#bff/usage/sns-sink';
import type { Actor } from '#lib/actor';
import { awsClientConfig } from '#lib/aws';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { startSqsPoller } from '#scripts/local/sqs-poller';
import { runMetricsQuery } from '#scripts/metrics';
import { type UsageEventInput, usageEvent } from '#services/metrics/contract';
import { LAKE_PREFIX } from '#services/metrics/lake/keys';
import { decodeUsageParquet } from '#services/metrics/lake/parquet';
import { type LakeStore, s3LakeStore } from '#services/metrics/lake/store';
import { createUsageArchiver } from '#services/metrics/usage-archiver/archiver';
import { createUsageCompactor } from '#services/metrics/usage-compactor/compactor';
import { pgRotationStore } from '#services/rotations/repo';
import { createRotationsService } from '#services/rotations/service';
import { publishPending } from '#services/sync/outbox';
import { createSyncFixture, eventually, quietLog, type SyncFixture } from '../support/sync-fixture.ts';

let fx: SyncFixture;
let s3: S3Client;
let sns: SNSClient;
let lake: LakeStore;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fx = await createSyncFixture();
  const settings = { AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') };
  s3 = new S3Client({ ...awsClientConfig(settings), forcePathStyle: true });
  sns = new SNSClient(awsClientConfig(settings));
  lake = s3LakeStore(s3, fx.resources.lakeBucket);
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((part) => part.stop()));
  s3?.destroy();
  sns?.destroy();
  await fx?.close();
});

/** The archiver on this file's queue, as the local stack runs it, writing through `store`. */
function startArchiver(store: LakeStore = lake) {
  const queue = fx.resources.usageArchiverQueue;
  const poller = startSqsPoller({
    sqs: fx.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: LOCAL_REGION,
    handler: createUsageArchiver({ lake: store, log: quietLog }),
    // Failed messages come back after a second, so retries and the redrive happen within a test.
    visibilityTimeoutSeconds: 1,
    onError: () => {},
  });
  running.push(poller);
  return poller;
}

const search = (query: string, resultCount = 4): UsageEventInput => ({
  type: 'search.performed',
  occurredAt: new Date().toISOString(),
  actor: { kind: 'anonymous', id: null },
  subject: { kind: 'search', id: query },
  props: { query, filters: {}, resultCount, latencyMs: 7, cached: false },
});

const metrics = (query: string) =>
  runMetricsQuery({
    env: {
      AWS_REGION: LOCAL_REGION,
      AWS_ENDPOINT_URL: inject('awsEndpointUrl'),
      LAKE_BUCKET: fx.resources.lakeBucket,
    },
    query,
  });

async function lakeRows() {
  const rows = [];
  for (const { key } of await lake.list(LAKE_PREFIX))
    rows.push(...(await decodeUsageParquet(await lake.get(key))));
  return rows;
}

const dlqDepth = async () => {
  const { Attributes } = await fx.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: fx.resources.usageArchiverQueue.deadLetterUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
};

describe('usage archiver on the local queues', () => {
  it('archives every event the BFF publisher sends exactly once, and DuckDB counts exactly those', async () => {
    const archiver = startArchiver();
    const publisher = batchingUsagePublisher(snsUsageSink(sns, fx.resources.usageTopicArn), {
      batchSize: 10,
      maxDelayMs: 20,
      attempts: 3,
      maxQueued: 10_000,
    });
    const word = `chain${randomUUID().slice(0, 8)}`;
    for (let n = 0; n < 57; n++) publisher.record(search(word));
    for (let n = 0; n < 3; n++) publisher.record(search(`${word}none`, 0));
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ sent: 60, dropped: 0 });
    // The same event published twice (as a retried publish may): one row, one count.
    const twice = usageEvent(search(word));
    await snsUsageSink(sns, fx.resources.usageTopicArn)([twice, twice]);
    const top = await eventually(
      async () => {
        const result = await metrics('top-searches');
        const row = result.rows.find((line) => line.query_text === word);
        expect(row?.searches).toBe(58);
        return result;
      },
      30_000,
      500,
    );
    expect(top.files).toBeGreaterThan(0);
    const zero = await metrics('zero-result-searches');
    expect(zero.rows).toEqual([{ query_text: `${word}none`, searches: 3 }]);
    await archiver.stop();
  });

  it('keeps every event while the lake bucket refuses writes, and writes them once it is back', async () => {
    let refused = 0;
    const flaky: LakeStore = {
      ...lake,
      async put(key, body) {
        if (refused < 3) {
          refused += 1;
          throw new Error('lake bucket unavailable');
        }
        await lake.put(key, body);
      },
    };
    const archiver = startArchiver(flaky);
    const word = `outage${randomUUID().slice(0, 8)}`;
    await snsUsageSink(
      sns,
      fx.resources.usageTopicArn,
    )(Array.from({ length: 8 }, () => usageEvent(search(word))));
    await eventually(
      async () => {
        expect(refused).toBe(3);
        const rows = (await lakeRows()).filter((row) => row.query === word);
        expect(rows).toHaveLength(8);
        expect(new Set(rows.map((row) => row.event_id)).size).toBe(8);
      },
      30_000,
      250,
    );
    await archiver.stop();
  });

  it('sends malformed and unknown-version events to the dead-letter queue and never into a file', async () => {
    const archiver = startArchiver();
    const before = await dlqDepth();
    const word = `bad${randomUUID().slice(0, 8)}`;
    const good = usageEvent(search(word));
    await fx.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: fx.resources.usageArchiverQueue.url,
        Entries: [
          { Id: 'json', MessageBody: '{"type": "search.performed", ' },
          { Id: 'v2', MessageBody: JSON.stringify({ ...usageEvent(search(word)), schemaVersion: 2 }) },
          { Id: 'type', MessageBody: JSON.stringify({ ...usageEvent(search(word)), type: 'song.hummed' }) },
          { Id: 'good', MessageBody: JSON.stringify(good) },
        ],
      }),
    );
    await eventually(async () => expect(await dlqDepth()).toBe(before + 3), 40_000, 500);
    const rows = (await lakeRows()).filter((row) => row.query === word);
    expect(rows.map((row) => row.event_id)).toEqual([good.eventId]);
    await archiver.stop();
  });

  it('counts karaoke requests and performances from the outbox, once each however often a row is published', async () => {
    const archiver = startArchiver();
    const rotations = createRotationsService({
      store: pgRotationStore(fx.db),
      timing: { defaultDurationMs: 210_000, changeoverMs: 60_000 },
    });
    const person = (): Actor => ({ id: randomUUID(), roles: ['singer'] });
    const kj: Actor = { id: randomUUID(), roles: ['kj'] };
    const night = await rotations.open(kj, {
      name: 'Lake night',
      fairness: 'fair',
      maxQueuedPerSinger: null,
      publicDisplay: false,
    });
    const singers = [person(), person()];
    const songId = randomUUID();
    for (const [index, singer] of singers.entries()) {
      await rotations.request(night.id, singer, {
        songId: index === 0 ? songId : randomUUID(),
        title: `Song ${index}`,
        artist: 'Lake',
        durationMs: 200_000,
        keyChange: 0,
        stageName: `Singer ${index}`,
      });
    }
    await rotations.act(night.id, kj, { type: 'advance' });
    await rotations.act(night.id, kj, { type: 'advance' });
    await publishPending(fx.db, fx.publisher, { batchSize: 100 });
    // The sweeper's republication of every row: the same events again, under new message ids.
    await fx.db.query(
      "UPDATE outbox SET published_at = NULL WHERE entity IN ('song-requested', 'performance')",
      {},
    );
    await publishPending(fx.db, fx.publisher, { batchSize: 100 });
    await eventually(
      async () => {
        const result = await metrics('karaoke-nights');
        expect(result.rows.find((row) => row.night_id === night.id)).toMatchObject({
          requests: 2,
          performances: 1,
          singers: 2,
          songs_sung: 1,
        });
      },
      30_000,
      500,
    );
    // Each log entry is one event id, whichever files hold it (republished rows arrive as new messages).
    const rows = (await lakeRows()).filter((row) => row.night_id === night.id);
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(3);
    await archiver.stop();
  });

  it("compacts a day's files in the bucket into one without changing any count, and a rerun changes nothing", async () => {
    const archiver = startArchiver();
    const word = `compact${randomUUID().slice(0, 8)}`;
    const day = '2026-06-01';
    const sink = snsUsageSink(sns, fx.resources.usageTopicArn);
    for (let batch = 0; batch < 6; batch++) {
      await sink(
        Array.from({ length: 10 }, (_, n) =>
          usageEvent({ ...search(word), occurredAt: `${day}T10:0${batch}:${String(n).padStart(2, '0')}Z` }),
        ),
      );
    }
    const dayFiles = () => lake.list(`${LAKE_PREFIX}event_date=${day}/`);
    const count = async () =>
      (await metrics('top-searches')).rows.find((row) => row.query_text === word)?.searches;
    await eventually(async () => expect(await count()).toBe(60), 30_000, 500);
    await archiver.stop();
    expect((await dayFiles()).length).toBeGreaterThan(1);
    const compactor = createUsageCompactor({ lake, log: quietLog, maxRowsPerFile: 100_000 });
    expect(await compactor.compactDay(day)).toMatchObject({ rows: 60, outputFiles: 1 });
    const after = await dayFiles();
    expect(after).toHaveLength(1);
    expect(await count()).toBe(60);
    expect(await compactor.compactDay(day)).toMatchObject({ partitions: 0 });
    expect((await dayFiles()).map((file) => file.key)).toEqual(after.map((file) => file.key));
  });
});
