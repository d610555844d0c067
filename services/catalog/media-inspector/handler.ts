import { loadMediaInspectorConfig } from './config.ts';
import { wireMediaInspector } from './wiring.ts';

export const handler = wireMediaInspector(loadMediaInspectorConfig(process.env)).handle;
