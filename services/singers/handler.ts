import { handle } from 'hono/aws-lambda';
import { createSingersApp } from './app.ts';
import { loadSingersConfig } from './config.ts';
import { wireSingers } from './wiring.ts';

export const handler = handle(createSingersApp(wireSingers(loadSingersConfig(process.env))));
