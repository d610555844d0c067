import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import type { PlaylistsDeps } from './app.ts';
import type { PlaylistsConfig } from './config.ts';
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
  return {
    log,
    playlists: createPlaylistsService({ store: pgPlaylistStore(db) }),
    async close() {
      await db.close();
    },
  };
}
