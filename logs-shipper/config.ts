import { z } from 'zod';
import { awsConfig, configFields, type Env, logConfig, parseConfig, searchConfig } from '#lib/config';

const shipperSettings = searchConfig.pick({ ELASTICSEARCH_URL: true, ELASTICSEARCH_API_KEY: true }).extend({
  /** Log documents go to `<prefix>-YYYY.MM.DD`; the index template and the Kibana data view match `<prefix>-*`. */
  LOGS_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, not starting with a dash')
    .default('karaoke-logs'),
  /** SQS queue that receives what Elasticsearch still refuses after the retries, and undecodable payloads. */
  LOGS_DEAD_LETTER_QUEUE_URL: configFields.url(
    'URL of the SQS queue for log events that could not be indexed',
  ),
  LOGS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  LOGS_RETRY_BASE_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  /** A subscription delivery is at most a few MB once inflated; anything far larger is a gzip bomb. */
  LOGS_MAX_PAYLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
});

const shipperSchema = logConfig.and(awsConfig).and(shipperSettings);

export type ShipperConfig = z.infer<typeof shipperSchema>;

/** logs-shipper: Elasticsearch for the log indices, and the dead-letter queue. */
export const loadShipperConfig = (env: Env) => parseConfig('logs-shipper', shipperSchema, env);
