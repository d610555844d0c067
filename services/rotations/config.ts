import { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const timingSettings = z.object({
  /** Assumed length of a song whose duration the catalog does not know, for estimated starts. */
  ROTATION_DEFAULT_SONG_MS: z.coerce.number().int().min(1000).max(3_600_000).default(210_000),
  /** Time between two turns (the next singer walks up, the KJ loads the track). */
  ROTATION_CHANGEOVER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
});

const rotationsConfigSchema = logConfig
  .and(actorTokenVerifyConfig)
  .and(awsConfig)
  .and(dbConfig)
  .and(timingSettings);
export type RotationsConfig = z.infer<typeof rotationsConfigSchema>;

export function loadRotationsConfig(env: Env): RotationsConfig {
  return parseConfig('rotations', rotationsConfigSchema, env);
}
