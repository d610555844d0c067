import { withSecrets } from '#lib/secrets';
import { loadIndexerConfig } from '../config.ts';
import { wireSearchIndexer } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = wireSearchIndexer(loadIndexerConfig(await withSecrets(process.env))).handle;
