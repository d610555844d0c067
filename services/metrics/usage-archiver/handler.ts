import { loadUsageArchiverConfig } from './config.ts';
import { wireUsageArchiver } from './wiring.ts';

export const handler = wireUsageArchiver(loadUsageArchiverConfig(process.env)).handle;
