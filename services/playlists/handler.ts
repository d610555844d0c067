import { handle } from 'hono/aws-lambda';
import { withSecrets } from '#lib/secrets';
import { createPlaylistsApp } from './app.ts';
import { loadPlaylistsConfig } from './config.ts';
import { wirePlaylists } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = handle(
  createPlaylistsApp(wirePlaylists(loadPlaylistsConfig(await withSecrets(process.env)))),
);
