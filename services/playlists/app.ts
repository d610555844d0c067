import type { Logger } from '#lib/log';
import { createServiceApp } from '#lib/service-app';
import { basePath } from './contract.ts';
import { playlistRoutes } from './routes.ts';
import type { PlaylistsService } from './service.ts';

export interface PlaylistsDeps {
  playlists: PlaylistsService;
  log: Logger;
}

/** The playlists service's Hono app (playlists, their items and members, shares), reached by the BFF. */
export function createPlaylistsApp(deps: PlaylistsDeps) {
  const app = createServiceApp({ basePath, log: deps.log, maxBodyBytes: 16 * 1024 });
  return playlistRoutes(app, deps.playlists);
}
