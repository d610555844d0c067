import { loadSingersConfig } from './config.ts';
import { createPostConfirmationHandler } from './post-confirmation.ts';
import { wireSingers } from './wiring.ts';

export const handler = createPostConfirmationHandler(wireSingers(loadSingersConfig(process.env)));
