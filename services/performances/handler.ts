import { handle } from 'hono/aws-lambda';
import { createPerformancesApp } from './app.ts';
import { loadPerformancesConfig } from './config.ts';
import { wirePerformances } from './wiring.ts';

export const handler = handle(createPerformancesApp(wirePerformances(loadPerformancesConfig(process.env))));
