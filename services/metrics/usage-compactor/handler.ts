import { loadUsageArchiverConfig } from '../usage-archiver/config.ts';
import { wireUsageCompactor } from './wiring.ts';

export const handler = wireUsageCompactor(loadUsageArchiverConfig(process.env)).handle;
