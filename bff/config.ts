import { z } from 'zod';
import { awsConfig, configFields, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const bffSettings = z.object({
  REDIS_URL: configFields.url('Redis URL, e.g. redis://127.0.0.1:6379'),
  ELASTICSEARCH_URL: configFields.url('Elasticsearch 8.x URL, e.g. http://127.0.0.1:9200'),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  /** SQS queues whose reachability `GET /api/health` reports as `queues`. */
  MONITORED_QUEUE_URLS: configFields
    .required('comma-separated SQS queue URLs checked by /api/health')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  /** Milliseconds each dependency probe of the health route may take. */
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(1500),
});

const bffConfigSchema = logConfig.and(awsConfig).and(bffSettings).and(dbConfig);

export type BffConfig = z.infer<typeof bffConfigSchema>;

export function loadBffConfig(env: Env): BffConfig {
  return parseConfig('bff', bffConfigSchema, env);
}
