import { withSecrets } from '#lib/secrets';
import { loadInvalidatorConfig } from '../config.ts';
import { wireCacheInvalidator } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = wireCacheInvalidator(loadInvalidatorConfig(await withSecrets(process.env))).handle;
