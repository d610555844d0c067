import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { MAX_EVENTS_PER_MESSAGE, type UsageEvent } from '#services/metrics/contract';
import type { UsageSink } from './publisher.ts';

/** SNS PublishBatch takes at most ten messages. */
const MESSAGES_PER_PUBLISH = 10;

/** How many events one send takes: ten messages of a hundred events. */
export const SNS_SINK_BATCH = MESSAGES_PER_PUBLISH * MAX_EVENTS_PER_MESSAGE;

/**
 * Publishes up to {@link SNS_SINK_BATCH} events to the SNS `usage` topic in one PublishBatch: each
 * message an array of up to a hundred events. Resolves with the events of the messages SNS refused.
 */
export function snsUsageSink(sns: SNSClient, topicArn: string): UsageSink {
  return async (events) => {
    const messages = new Map<string, readonly UsageEvent[]>();
    for (let start = 0; start < events.length; start += MAX_EVENTS_PER_MESSAGE) {
      messages.set(String(messages.size), events.slice(start, start + MAX_EVENTS_PER_MESSAGE));
    }
    if (messages.size > MESSAGES_PER_PUBLISH) {
      throw new RangeError(`at most ${SNS_SINK_BATCH} events per send, got ${events.length}`);
    }
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [...messages].map(([Id, batch]) => ({
          Id,
          Message: JSON.stringify(batch),
        })),
      }),
    );
    return (result.Failed ?? []).flatMap((failure) => messages.get(failure.Id ?? '') ?? []);
  };
}
