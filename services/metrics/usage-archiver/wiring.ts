import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '#lib/aws';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import { s3LakeStore } from '../lake/store.ts';
import { createUsageArchiver } from './archiver.ts';
import type { UsageArchiverConfig } from './config.ts';

/** What the usage-archiver function runs: the lake bucket, nothing else. */
export function wireUsageArchiver(config: UsageArchiverConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'usage-archiver',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const s3 = tracer.captureClient(
    new S3Client({ ...awsClientConfig(config), forcePathStyle: config.AWS_ENDPOINT_URL !== undefined }),
  );
  const lake = s3LakeStore(s3, config.LAKE_BUCKET);
  return {
    log,
    lake,
    handle: traceQueueConsumer(tracer, 'usage-archiver', createUsageArchiver({ lake, log })),
    close: async () => s3.destroy(),
  };
}
