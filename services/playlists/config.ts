import type { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import { awsConfig, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

const playlistsConfigSchema = logConfig.and(actorTokenVerifyConfig).and(awsConfig).and(dbConfig);
export type PlaylistsConfig = z.infer<typeof playlistsConfigSchema>;

export function loadPlaylistsConfig(env: Env): PlaylistsConfig {
  return parseConfig('playlists', playlistsConfigSchema, env);
}
