import type { z } from 'zod';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';
import { mediaConfig } from '../config.ts';

const inspectorConfigSchema = logConfig.and(awsConfig).and(dbConfig).and(mediaConfig);
export type MediaInspectorConfig = z.infer<typeof inspectorConfigSchema>;

/** media-inspector: the media rows in PostgreSQL and the media bucket. */
export function loadMediaInspectorConfig(env: Env): MediaInspectorConfig {
  return parseConfig('media-inspector', inspectorConfigSchema, env);
}
