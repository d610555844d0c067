import { parseJsonBody, sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import { type PitchDelivery, PitchMailRetry } from '../pitch-mail.ts';

/**
 * The `pitch-mail` queue's consumer: each message is one e-mail to try again. A message whose
 * e-mail still fails is reported, so SQS delivers it again after its visibility timeout, and moves
 * it to the dead-letter queue after the queue's maxReceiveCount; the recipient stays `failed` for
 * the owner to see. Duplicates and late copies send nothing once the recipient is `sent` (or their
 * link was replaced or revoked): the delivery rule decides under the recipient's row lock.
 */
export function createPitchMailer(deps: { delivery: PitchDelivery; log: Logger }) {
  return sqsBatchHandler<PitchMailRetry>(
    {
      parse: (record) => parseJsonBody(record.body, PitchMailRetry),
      async apply(items) {
        const failed: string[] = [];
        await Promise.all(
          items.map(async ({ messageId, value }) => {
            try {
              await deps.delivery.retry(value);
            } catch (error) {
              deps.log.warn('pitch e-mail retry failed; SQS delivers it again', {
                'error.message': error instanceof Error ? error.message : String(error),
                'message.id': messageId,
              });
              failed.push(messageId);
            }
          }),
        );
        return failed;
      },
    },
    deps.log,
  );
}
