import { z } from 'zod';
import { ConfigError } from './errors.ts';

export type Env = Record<string, string | undefined>;

/**
 * Validates a deployable's environment once, at cold start. Every problem is reported in one
 * error that names the variable and what it should hold, so a misconfigured function fails on its
 * first invocation instead of on some later request.
 */
export function parseConfig<S extends z.ZodType>(deployable: string, schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `  - ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`${deployable}: invalid configuration\n${lines.join('\n')}`);
}

const required = (what: string) => z.string({ error: `required: ${what}` }).min(1, `required: ${what}`);
const url = (what: string) => required(what).pipe(z.url({ error: `must be a URL: ${what}` }));

export const logConfig = z.object({
  STAGE: required("deployment stage, e.g. 'local', 'dev', 'prod'"),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
});

export const awsConfig = z.object({
  AWS_REGION: required('AWS region, e.g. eu-west-1'),
  /** Set only for local stand-ins (moto); on AWS the SDK finds the regional endpoints itself. */
  AWS_ENDPOINT_URL: url('endpoint of an AWS emulator such as moto').optional(),
});

/** Which `Db` adapter a deployable uses, with the settings that adapter needs. */
export const dbConfig = z.discriminatedUnion(
  'DB_DRIVER',
  [
    z.object({
      DB_DRIVER: z.literal('pg'),
      DATABASE_URL: url('PostgreSQL connection URL, e.g. postgres://user:pass@127.0.0.1:5432/karaoke'),
    }),
    z.object({
      DB_DRIVER: z.literal('data-api'),
      DB_CLUSTER_ARN: required('Aurora cluster ARN for the RDS Data API'),
      DB_SECRET_ARN: required('Secrets Manager ARN of the database credentials'),
      DB_NAME: required('database name'),
      /** Only for the local Data API endpoint used in tests. */
      DATA_API_ENDPOINT: url('RDS Data API endpoint override').optional(),
    }),
  ],
  {
    error:
      "DB_DRIVER: required: 'pg' (with DATABASE_URL) or 'data-api' (with DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME)",
  },
);

export type DbConfig = z.infer<typeof dbConfig>;

/** The song search index: where Elasticsearch is, and the alias prefix (set only by tests that share a cluster). */
export const searchConfig = z.object({
  ELASTICSEARCH_URL: url('Elasticsearch 8.x URL, e.g. http://127.0.0.1:9200'),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lowercase letters, digits and dashes')
    .default(''),
});

/** The items of a comma-separated setting, trimmed, empty items dropped. */
const commaSeparated = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const configFields = { required, url, commaSeparated };
