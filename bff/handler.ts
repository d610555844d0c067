import { handle } from 'hono/aws-lambda';
import { withSecrets } from '#lib/secrets';
import { createApp } from './app.ts';
import { loadBffConfig } from './config.ts';
import { wireBff } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = handle(createApp(wireBff(loadBffConfig(await withSecrets(process.env)))));
