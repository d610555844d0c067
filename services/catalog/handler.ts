import { handle } from 'hono/aws-lambda';
import { createCatalogApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { wireCatalog } from './wiring.ts';

export const handler = handle(createCatalogApp(wireCatalog(loadCatalogConfig(process.env))));
