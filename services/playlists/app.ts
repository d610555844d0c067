import type { ActorTokenVerifier } from '#lib/actor-token';
import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { pitchRoutes } from './pitch-routes.ts';
import type { PitchesService } from './pitches.ts';
import { playlistRoutes } from './routes.ts';
import type { PlaylistsService } from './service.ts';

export interface PlaylistsDeps {
  playlists: PlaylistsService;
  pitches: PitchesService;
  log: Logger;
  /** Verifies the actor token of every call (see `#lib/actor-token`). */
  callers: ActorTokenVerifier;
}

/** The playlists service's Hono app (playlists, their items and members, shares, pitches), reached by the BFF. */
export function createPlaylistsApp(deps: PlaylistsDeps) {
  const app = createServiceApp({ basePath, log: deps.log, callers: deps.callers, maxBodyBytes: 16 * 1024 });
  return pitchRoutes(playlistRoutes(app, deps.playlists), deps.pitches);
}
