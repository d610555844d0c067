import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DependencyError } from '#lib/errors';
import type { ChangePublisher } from './outbox.ts';

const SNS_BATCH_LIMIT = 10;

/** Publishes to the `changes` topic with `entity` and `op` message attributes for subscription filters. */
export function snsChangePublisher(sns: SNSClient, topicArn: string): ChangePublisher {
  return {
    async publish(messages) {
      for (let start = 0; start < messages.length; start += SNS_BATCH_LIMIT) {
        const batch = messages.slice(start, start + SNS_BATCH_LIMIT);
        const result = await sns
          .send(
            new PublishBatchCommand({
              TopicArn: topicArn,
              PublishBatchRequestEntries: batch.map((message) => ({
                Id: String(message.outboxId),
                Message: JSON.stringify(message),
                MessageAttributes: {
                  entity: { DataType: 'String', StringValue: message.entity },
                  op: { DataType: 'String', StringValue: message.op },
                },
              })),
            }),
          )
          .catch((error: unknown) => {
            throw new DependencyError('SNS publish failed', { cause: error });
          });
        if (result.Failed && result.Failed.length > 0) {
          const first = result.Failed[0];
          throw new DependencyError(
            `SNS refused ${result.Failed.length} of ${batch.length} messages (first: ${first?.Code} ${first?.Message ?? ''})`,
          );
        }
      }
    },
  };
}
