import { loadPublisherConfig } from '../config.ts';
import { wirePublisher } from '../wiring.ts';

const publisher = wirePublisher(loadPublisherConfig(process.env));

/** Scheduled: republishes outbox rows still pending after OUTBOX_SWEEP_MIN_AGE_MS. */
export const handler = async (): Promise<{ published: number }> => {
  const published = await publisher.sweep();
  if (published > 0)
    publisher.log.warn('outbox rows published by the sweeper', { 'outbox.published': published });
  return { published };
};
