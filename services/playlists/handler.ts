import { handle } from 'hono/aws-lambda';
import { createPlaylistsApp } from './app.ts';
import { loadPlaylistsConfig } from './config.ts';
import { wirePlaylists } from './wiring.ts';

export const handler = handle(createPlaylistsApp(wirePlaylists(loadPlaylistsConfig(process.env))));
