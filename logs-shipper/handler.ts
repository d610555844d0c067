import { withSecrets } from '#lib/secrets';
import { loadShipperConfig } from './config.ts';
import { wireLogsShipper } from './wiring.ts';

// Secrets are read from SSM once per cold start (top-level await), before the config is validated.
export const handler = wireLogsShipper(loadShipperConfig(await withSecrets(process.env))).handle;
