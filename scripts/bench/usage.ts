import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { awsClientConfig } from '#lib/aws';
import { createLogger } from '#lib/log';
import { type UsageEvent, type UsageEventInput, usageEvent } from '#services/metrics/contract';
import { LAKE_PREFIX } from '#services/metrics/lake/keys';
import { encodeUsageParquet } from '#services/metrics/lake/parquet';
import { usageRow } from '#services/metrics/lake/rows';
import { s3LakeStore } from '#services/metrics/lake/store';
import { createUsageArchiver } from '#services/metrics/usage-archiver/archiver';
import { createUsageCompactor } from '#services/metrics/usage-compactor/compactor';
import { MAX_ROWS_PER_FILE } from '#services/metrics/usage-compactor/wiring';
import { namedQueries, runMetricsQuery } from '../metrics.ts';

const DAY = '2026-12-01';
const quiet = createLogger({ serviceName: 'bench', level: 'SILENT', environment: 'bench' });
const kB = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;

/** A day's mix: mostly searches and views, some streams, a few downloads and karaoke events. */
function dayOfEvents(count: number): UsageEvent[] {
  const songs = Array.from({ length: 2000 }, () => randomUUID());
  const users = Array.from({ length: 300 }, () => randomUUID());
  const night = randomUUID();
  const start = Date.parse(`${DAY}T00:00:00Z`);
  return Array.from({ length: count }, (_, n) => {
    const songId = songs[(n * 7919) % songs.length] as string;
    const userId = users[n % users.length] as string;
    const occurredAt = new Date(start + Math.floor((n / count) * 86_400_000)).toISOString();
    const kind = n % 20;
    let input: UsageEventInput;
    if (kind < 11) {
      const query = `query ${(n * 31) % 5000}`;
      input = {
        type: 'search.performed',
        occurredAt,
        actor: { kind: 'anonymous', id: null },
        subject: { kind: 'search', id: query },
        props: {
          query,
          filters: {},
          resultCount: n % 13 === 0 ? 0 : n % 40,
          latencyMs: n % 90,
          cached: n % 3 === 0,
        },
      };
    } else if (kind < 15) {
      input = {
        type: 'song.viewed',
        occurredAt,
        actor: { kind: 'user', id: userId },
        subject: { kind: 'song', id: songId },
        props: { songId },
      };
    } else if (kind < 18) {
      const mediaId = randomUUID();
      input = {
        type: 'media.streamed',
        occurredAt,
        actor: { kind: 'user', id: userId },
        subject: { kind: 'media', id: mediaId },
        props: { songId, mediaId },
      };
    } else if (kind === 18) {
      const mediaId = randomUUID();
      input = {
        type: 'media.downloaded',
        occurredAt,
        actor: { kind: 'user', id: userId },
        subject: { kind: 'media', id: mediaId },
        props: { songId, mediaId },
      };
    } else {
      input = {
        type: 'karaoke.requested',
        occurredAt,
        actor: { kind: 'user', id: userId },
        subject: { kind: 'karaoke-night', id: night },
        props: { nightId: night, requestId: randomUUID(), singerId: userId, songId },
      };
    }
    return usageEvent(input);
  });
}

export interface UsageBenchRow {
  bench: string;
  value: string;
  note?: string;
}

/**
 * The lake side of usage metrics against moto S3: the archiver's rows/s and file sizes for a day of
 * 100k events in Lambda-sized batches, compaction of that day, and the named queries' times with
 * DuckDB before and after compaction.
 */
export async function usageLakeBench(
  env: Record<string, string>,
  record: (row: UsageBenchRow) => void,
  eventCount = 100_000,
): Promise<void> {
  const s3 = new S3Client({
    ...awsClientConfig({ AWS_REGION: env.AWS_REGION ?? '', AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL }),
    forcePathStyle: true,
  });
  const bucket = `bench-lake-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const lake = s3LakeStore(s3, bucket);
  try {
    const events = dayOfEvents(eventCount);
    const encodeStarted = performance.now();
    const encoded = encodeUsageParquet(events.map(usageRow));
    const encodeMs = performance.now() - encodeStarted;
    record({
      bench: `usage: Parquet encoding (hyparquet-writer, snappy), ${eventCount.toLocaleString('en')} events in one file`,
      value: `${Math.round((eventCount / encodeMs) * 1000).toLocaleString('en')} rows/s`,
      note: `${kB(encoded.length)}, ${(encoded.length / eventCount).toFixed(0)} bytes/row`,
    });

    const archive = createUsageArchiver({ lake, log: quiet });
    const batchSize = 1000;
    const started = performance.now();
    for (let start = 0; start < events.length; start += batchSize) {
      const batch: SQSEvent = {
        Records: events.slice(start, start + batchSize).map((event) => ({
          messageId: randomUUID(),
          receiptHandle: 'bench',
          body: JSON.stringify(event),
          attributes: {} as SQSEvent['Records'][number]['attributes'],
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
          awsRegion: 'us-east-1',
        })),
      };
      const answer = await archive(batch);
      if (answer.batchItemFailures.length > 0) throw new Error('the archiver refused bench events');
    }
    const archiveMs = performance.now() - started;
    const files = await lake.list(LAKE_PREFIX);
    const sizes = files.map((file) => file.size).sort((a, b) => a - b);
    record({
      bench: `usage-archiver: ${eventCount.toLocaleString('en')} events of one day in SQS batches of ${batchSize} (parse, group, encode, put to moto S3)`,
      value: `${Math.round((eventCount / archiveMs) * 1000).toLocaleString('en')} rows/s`,
      note: `${files.length} files, median ${kB(sizes[Math.floor(sizes.length / 2)] ?? 0)}, largest ${kB(sizes.at(-1) ?? 0)}, ${kB(sizes.reduce((a, b) => a + b, 0))} in all`,
    });

    const metricsEnv = { ...env, LAKE_BUCKET: bucket };
    const queryTimes = async (when: string) => {
      for (const query of namedQueries()) {
        const result = await runMetricsQuery({ env: metricsEnv, query });
        record({
          bench: `npm run metrics -- ${query}, ${when}`,
          value: `query ${result.queryMs.toFixed(0)} ms`,
          note: `${result.rows.length} rows; copying ${result.files} files (${kB(result.bytes)}) from moto took ${result.downloadMs.toFixed(0)} ms`,
        });
      }
    };
    await queryTimes(`${files.length} archiver files`);

    const compactStarted = performance.now();
    const report = await createUsageCompactor({
      lake,
      log: quiet,
      maxRowsPerFile: MAX_ROWS_PER_FILE,
    }).compactDay(DAY);
    const compacted = await lake.list(LAKE_PREFIX);
    record({
      bench: `usage-compactor: the day's ${report.inputFiles} files`,
      value: `${(performance.now() - compactStarted).toFixed(0)} ms`,
      note: `${report.rows.toLocaleString('en')} rows into ${compacted.length} files (one per event type), ${compacted
        .map((file) => kB(file.size))
        .join(', ')}`,
    });
    await queryTimes(`${compacted.length} compacted files`);
  } finally {
    const left = await lake.list('').catch(() => []);
    await lake.remove(left.map((object) => object.key)).catch(() => undefined);
    s3.destroy();
  }
}
