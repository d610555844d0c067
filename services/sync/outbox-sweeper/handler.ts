import { loadPublisherConfig } from '../config.ts';
import { wireOutboxSweeper } from './wiring.ts';

const sweeper = wireOutboxSweeper(loadPublisherConfig(process.env));

/** Scheduled: republishes outbox rows still pending after OUTBOX_SWEEP_MIN_AGE_MS. */
export const handler = async (): Promise<{ published: number }> => {
  const published = await sweeper.sweep();
  if (published > 0)
    sweeper.log.warn('outbox rows published by the sweeper', { 'outbox.published': published });
  return { published };
};
