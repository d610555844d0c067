import { handle } from 'hono/aws-lambda';
import { createRotationsApp } from './app.ts';
import { loadRotationsConfig } from './config.ts';
import { wireRotations } from './wiring.ts';

export const handler = handle(createRotationsApp(wireRotations(loadRotationsConfig(process.env))));
