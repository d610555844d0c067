import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { USAGE_TYPE_ATTRIBUTE } from '#services/metrics/contract';
import type { UsageSink } from './publisher.ts';

/** Publishes a batch (≤ 10) to the SNS `usage` topic, the type as a message attribute. */
export function snsUsageSink(sns: SNSClient, topicArn: string): UsageSink {
  return async (events) => {
    const byId = new Map(events.map((event, index) => [String(index), event]));
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [...byId].map(([Id, event]) => ({
          Id,
          Message: JSON.stringify(event),
          MessageAttributes: { [USAGE_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: event.type } },
        })),
      }),
    );
    return (result.Failed ?? []).flatMap((failure) => {
      const event = failure.Id === undefined ? undefined : byId.get(failure.Id);
      return event ? [event] : [];
    });
  };
}
