import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '#lib/aws';
import { createLogger } from '#lib/log';
import { type Tracer, traceInvocation, xrayTracer } from '#lib/trace';
import { s3LakeStore } from '../lake/store.ts';
import type { UsageArchiverConfig } from '../usage-archiver/config.ts';
import { createUsageCompactor, daysToCompact } from './compactor.ts';

/**
 * A compacted file holds at most this many rows: about 25 MB of snappy Parquet, a few row groups,
 * large enough that Athena opens few files, small enough for a 1 GB function to build in memory.
 */
export const MAX_ROWS_PER_FILE = 500_000;

/** What the scheduled usage-compactor runs: the lake bucket only (same settings as the archiver). */
export function wireUsageCompactor(config: UsageArchiverConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'usage-compactor',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const s3 = tracer.captureClient(
    new S3Client({ ...awsClientConfig(config), forcePathStyle: config.AWS_ENDPOINT_URL !== undefined }),
  );
  const compactor = createUsageCompactor({
    lake: s3LakeStore(s3, config.LAKE_BUCKET),
    log,
    maxRowsPerFile: MAX_ROWS_PER_FILE,
  });
  return {
    log,
    compactor,
    /** The scheduled run: the last two complete days, one after the other. */
    handle: traceInvocation(tracer, 'usage-compactor', async () => {
      const reports = [];
      for (const day of daysToCompact(new Date())) reports.push(await compactor.compactDay(day));
      return reports;
    }),
    close: async () => s3.destroy(),
  };
}
