import type { Tracer } from '#lib/trace';
import { wireChangePublisher } from '../change-publisher/wiring.ts';
import type { PublisherConfig } from '../config.ts';

/**
 * The sweeper is the change-publisher's drain limited to rows older than OUTBOX_SWEEP_MIN_AGE_MS:
 * fresher rows are left to the invocation their trigger made.
 */
export function wireOutboxSweeper(config: PublisherConfig, tracer?: Tracer) {
  const publisher = wireChangePublisher(config, tracer);
  return {
    log: publisher.log,
    sweep: () => publisher.publish({ minAgeMs: config.OUTBOX_SWEEP_MIN_AGE_MS }),
    close: publisher.close,
  };
}
