import type { z } from 'zod';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig, searchConfig } from '#lib/config';

const catalogConfigSchema = logConfig.and(awsConfig).and(searchConfig).and(dbConfig);
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

export function loadCatalogConfig(env: Env): CatalogConfig {
  return parseConfig('catalog', catalogConfigSchema, env);
}
