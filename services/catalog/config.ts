import { z } from 'zod';
import { awsConfig, configFields, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const catalogSettings = z.object({
  ELASTICSEARCH_URL: configFields.url('Elasticsearch 8.x URL, e.g. http://127.0.0.1:9200'),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  /** Prefix for the `songs` / `songs-write` aliases; only tests that share one cluster set it. */
  SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]*$/)
    .default(''),
});

const catalogConfigSchema = logConfig.and(awsConfig).and(catalogSettings).and(dbConfig);
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

export function loadCatalogConfig(env: Env): CatalogConfig {
  return parseConfig('catalog', catalogConfigSchema, env);
}
