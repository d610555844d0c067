import type { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const singersConfigSchema = logConfig.and(actorTokenVerifyConfig).and(awsConfig).and(dbConfig);
export type SingersConfig = z.infer<typeof singersConfigSchema>;

/** The singers service and its post-confirmation trigger read the same settings. */
export function loadSingersConfig(env: Env): SingersConfig {
  return parseConfig('singers', singersConfigSchema, env);
}
