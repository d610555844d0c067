import { actorTokenVerifier } from '#lib/actor-token';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import type { PlaylistsDeps } from './app.ts';
import type { PlaylistsConfig } from './config.ts';
import { pgPitchStore } from './pitch-repo.ts';
import { createPitchesService } from './pitches.ts';
import { pgPlaylistStore } from './repo.ts';
import { createPlaylistsService } from './service.ts';

export interface PlaylistsResources extends PlaylistsDeps {
  close(): Promise<void>;
}

export function wirePlaylists(config: PlaylistsConfig, tracer: Tracer = xrayTracer()): PlaylistsResources {
  const log = traceRequests(
    createLogger({ serviceName: 'playlists', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'playlists',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  const store = pgPlaylistStore(db);
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    playlists: createPlaylistsService({ store }),
    pitches: createPitchesService({ pitches: pgPitchStore(db), playlists: store }),
    async close() {
      await db.close();
    },
  };
}
