import { handle } from 'hono/aws-lambda';
import { withSecrets } from '#lib/secrets';
import { createCatalogApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { wireCatalog } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = handle(
  createCatalogApp(wireCatalog(loadCatalogConfig(await withSecrets(process.env)))),
);
