import { handle } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { loadBffConfig } from './config.ts';
import { wireBff } from './wiring.ts';

export const handler = handle(createApp(wireBff(loadBffConfig(process.env))));
