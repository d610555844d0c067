import { withSecrets } from '#lib/secrets';
import { loadPitchMailerConfig } from '../config.ts';
import { wirePitchMailer } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = wirePitchMailer(loadPitchMailerConfig(await withSecrets(process.env))).handle;
