import { loadPublisherConfig } from '../config.ts';
import { wireChangePublisher } from './wiring.ts';

const publisher = wireChangePublisher(loadPublisherConfig(process.env));

/**
 * Invoked asynchronously by the outbox trigger with `{outbox_id}`. It drains every pending row,
 * not only that one, so a lost or late invocation is covered by the next.
 */
export const handler = async (): Promise<{ published: number }> => ({ published: await publisher.publish() });
