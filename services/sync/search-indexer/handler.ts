import { loadIndexerConfig } from '../config.ts';
import { wireSearchIndexer } from './wiring.ts';

export const handler = wireSearchIndexer(loadIndexerConfig(process.env)).handle;
