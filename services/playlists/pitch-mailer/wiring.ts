import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import type { PitchMailerConfig } from '../config.ts';
import { sesPitchDelivery } from '../pitch-mail-aws.ts';
import { pgPitchStore } from '../pitch-repo.ts';
import { createPitchMailer } from './consumer.ts';

/** The pitch-mailer Lambda: the `pitch-mail` queue → SES, recipients' delivery status in the database. */
export function wirePitchMailer(config: PitchMailerConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'pitch-mailer',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const db = createDb(config, tracer, config.AWS_REGION);
  // Only retries: a retry that fails again is redelivered by SQS itself, never queued anew.
  const mail = sesPitchDelivery(config, pgPitchStore(db), log, tracer);
  return {
    log,
    delivery: mail.delivery,
    handle: traceQueueConsumer(tracer, 'pitch-mailer', createPitchMailer({ delivery: mail.delivery, log })),
    async close() {
      mail.close();
      await db.close();
    },
  };
}
