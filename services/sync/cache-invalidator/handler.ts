import { loadInvalidatorConfig } from '../config.ts';
import { wireCacheInvalidator } from './wiring.ts';

export const handler = wireCacheInvalidator(loadInvalidatorConfig(process.env)).handle;
