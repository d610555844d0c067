import { loadPitchMailerConfig } from '../config.ts';
import { wirePitchMailer } from './wiring.ts';

export const handler = wirePitchMailer(loadPitchMailerConfig(process.env)).handle;
