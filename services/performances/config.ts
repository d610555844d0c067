import type { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const performancesConfigSchema = logConfig.and(actorTokenVerifyConfig).and(awsConfig).and(dbConfig);
export type PerformancesConfig = z.infer<typeof performancesConfigSchema>;

/** The performances service and its queue consumer read the same settings. */
export function loadPerformancesConfig(env: Env): PerformancesConfig {
  return parseConfig('performances', performancesConfigSchema, env);
}
