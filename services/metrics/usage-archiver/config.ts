import { z } from 'zod';
import { awsConfig, configFields, type Env, logConfig, parseConfig } from '#lib/config';

const archiverSettings = z.object({
  LAKE_BUCKET: configFields.required('name of the S3 bucket of the usage data lake'),
});

const archiverSchema = logConfig.and(awsConfig).and(archiverSettings);
export type UsageArchiverConfig = z.infer<typeof archiverSchema>;

/** usage-archiver (and the lake compaction): the lake bucket only. */
export const loadUsageArchiverConfig = (env: Env) => parseConfig('usage-archiver', archiverSchema, env);
