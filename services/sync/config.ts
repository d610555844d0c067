import { z } from 'zod';
import {
  awsConfig,
  configFields,
  dbConfig,
  type Env,
  logConfig,
  parseConfig,
  searchConfig,
} from '#lib/config';

const publisherSettings = z.object({
  CHANGES_TOPIC_ARN: configFields.required('ARN of the SNS topic "changes"'),
  NOTIFICATIONS_TOPIC_ARN: configFields.required('ARN of the SNS topic "notifications"'),
  /** Rows the sweeper leaves alone because the trigger's invocation should still be handling them. */
  OUTBOX_SWEEP_MIN_AGE_MS: z.coerce.number().int().min(0).default(10_000),
});

const invalidatorSettings = z.object({
  REDIS_URL: configFields.url('Redis URL of the BFF read cache, e.g. redis://127.0.0.1:6379'),
});

const dlqMonitorSettings = z.object({
  DLQ_URLS: configFields
    .required('comma-separated URLs of the dead-letter queues whose depth is logged')
    .transform(configFields.commaSeparated)
    .pipe(
      z
        .array(z.url('each DLQ_URLS entry must be a queue URL'))
        .min(1, 'DLQ_URLS names no queue: list the dead-letter queue URLs, comma-separated'),
    ),
});

const publisherSchema = logConfig.and(awsConfig).and(publisherSettings).and(dbConfig);
// The indexer invalidates cached search answers once its changes are searchable (the BFF's Redis).
const indexerSchema = logConfig.and(awsConfig).and(searchConfig).and(invalidatorSettings);
const invalidatorSchema = logConfig.and(awsConfig).and(invalidatorSettings);

const dlqMonitorSchema = logConfig.and(awsConfig).and(dlqMonitorSettings);

export type DlqMonitorConfig = z.infer<typeof dlqMonitorSchema>;
export type PublisherConfig = z.infer<typeof publisherSchema>;
export type IndexerConfig = z.infer<typeof indexerSchema>;
export type InvalidatorConfig = z.infer<typeof invalidatorSchema>;

/** change-publisher and outbox-sweeper: the outbox in PostgreSQL and the SNS topic. */
export const loadPublisherConfig = (env: Env) => parseConfig('change-publisher', publisherSchema, env);

/** search-indexer: the search index, and the BFF's Redis for the search answers it makes stale. */
export const loadIndexerConfig = (env: Env) => parseConfig('search-indexer', indexerSchema, env);

/** cache-invalidator: the BFF's Redis only. */
export const loadInvalidatorConfig = (env: Env) => parseConfig('cache-invalidator', invalidatorSchema, env);

/** dlq-monitor: the dead-letter queues only. */
export const loadDlqMonitorConfig = (env: Env) => parseConfig('dlq-monitor', dlqMonitorSchema, env);
