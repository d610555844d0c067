import { loadPerformancesConfig } from './config.ts';
import { wirePerformances } from './wiring.ts';

export const handler = wirePerformances(loadPerformancesConfig(process.env)).recorder;
